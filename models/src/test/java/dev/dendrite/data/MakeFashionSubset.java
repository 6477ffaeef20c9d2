package dev.dendrite.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Builds the Fashion-MNIST subset embedded in {@code models/src/main/resources}: the first 6000
 * training and the first 1000 test images with their labels, gzipped IDX, plus LICENSE and README.
 *
 * <p>Run from the repository root after {@code apt-get install dataset-fashion-mnist}:
 * <pre>
 * java -cp &lt;models classes and test classes&gt; dev.dendrite.data.MakeFashionSubset \
 *     [/usr/share/datasets/fashion-mnist] [models/src/main/resources/dev/dendrite/data/fashion-mnist-subset]
 * </pre>
 * The output is deterministic for a given JDK (gzip header has no timestamp).
 */
public final class MakeFashionSubset {
    static final int TRAIN_COUNT = 6000;
    static final int TEST_COUNT = 1000;

    private MakeFashionSubset() {
    }

    public static void main(String[] args) throws IOException {
        Path src = Path.of(args.length > 0 ? args[0] : FashionMnist.SYSTEM_DIR_NAME);
        Path out = Path.of(args.length > 1 ? args[1] : "models/src/main/resources/dev/dendrite/data/fashion-mnist-subset");
        Files.createDirectories(out);

        int[] trainBalance = copyFirst(src, out, FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS, TRAIN_COUNT);
        int[] testBalance = copyFirst(src, out, FashionMnist.TEST_IMAGES, FashionMnist.TEST_LABELS, TEST_COUNT);

        StringBuilder readme = new StringBuilder();
        readme.append("Fashion-MNIST subset embedded in Dendrite for the demo: the first ").append(TRAIN_COUNT)
                .append(" training images and labels and the first ").append(TEST_COUNT)
                .append(" test images and labels of Fashion-MNIST\n")
                .append("(https://github.com/zalandoresearch/fashion-mnist), unchanged, as gzipped IDX files with the")
                .append(" original names.\n")
                .append("Made by models/src/test/java/dev/dendrite/data/MakeFashionSubset.java from the Debian package")
                .append(" dataset-fashion-mnist; see LICENSE.\n\n")
                .append("Images per class (").append(String.join(", ", FashionMnist.CLASS_NAMES)).append("):\n")
                .append("  train: ").append(Arrays.toString(trainBalance)).append('\n')
                .append("  test:  ").append(Arrays.toString(testBalance)).append('\n');
        Files.writeString(out.resolve("README"), readme.toString(), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("LICENSE"), LICENSE, StandardCharsets.UTF_8);

        System.out.println("train class balance " + Arrays.toString(trainBalance));
        System.out.println("test  class balance " + Arrays.toString(testBalance));
        long total = 0;
        try (var files = Files.list(out)) {
            for (Path p : (Iterable<Path>) files::iterator) total += Files.size(p);
        }
        System.out.println("wrote " + out + " (" + total + " bytes)");
    }

    /** Copies the first {@code count} images and labels; returns the number of images per class. */
    private static int[] copyFirst(Path src, Path out, String imagesName, String labelsName, int count) throws IOException {
        IdxArray images = Idx.read(src.resolve(imagesName));
        IdxArray labels = Idx.read(src.resolve(labelsName));
        int[] d = images.dims();
        if (d[0] < count || labels.count() < count)
            throw new IllegalArgumentException("make-subset: " + src + " has only " + d[0] + " images / "
                    + labels.count() + " labels, need " + count);
        int perImage = d[1] * d[2];
        byte[] x = Arrays.copyOf(images.data(), count * perImage);
        byte[] y = Arrays.copyOf(labels.data(), count);
        Idx.write(out.resolve(imagesName), new int[]{count, d[1], d[2]}, x, true);
        Idx.write(out.resolve(labelsName), new int[]{count}, y, true);
        int[] balance = new int[FashionMnist.CLASS_NAMES.size()];
        for (byte label : y) balance[label & 0xFF]++;
        return balance;
    }

    static final String LICENSE = """
            The files in this directory are a subset of Fashion-MNIST
            (https://github.com/zalandoresearch/fashion-mnist), distributed under the MIT licence:

            The MIT License (MIT)

            Copyright (c) 2017 Zalando SE

            Permission is hereby granted, free of charge, to any person obtaining a copy
            of this software and associated documentation files (the "Software"), to deal
            in the Software without restriction, including without limitation the rights
            to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
            copies of the Software, and to permit persons to whom the Software is
            furnished to do so, subject to the following conditions:

            The above copyright notice and this permission notice shall be included in all
            copies or substantial portions of the Software.

            THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
            IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
            FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
            AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
            LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
            OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
            SOFTWARE.
            """;
}
