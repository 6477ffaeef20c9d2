package dev.dendrite.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Fashion-MNIST data set (Zalando, MIT licence): 28x28 greyscale images of clothing in 10 classes.
 *
 * <p>{@link #load(Path)} looks in three places, in order: a directory the user names, the Debian
 * package {@code dataset-fashion-mnist} ({@value #SYSTEM_DIR_NAME}), and a subset embedded in this
 * jar (6000 training and 1000 test images) so the demo runs anywhere. {@link #source()} says which.
 *
 * <p>Images are {@code [count, rows, cols]} unsigned bytes, row-major, 0 = background; read a pixel
 * as {@code trainImages()[(i * rows + r) * cols + c] & 0xFF}. Labels are class indices 0..9.
 */
public final class FashionMnist {
    private static final Logger log = LoggerFactory.getLogger(FashionMnist.class);

    /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
    public static final String SYSTEM_DIR_NAME = "/usr/share/datasets/fashion-mnist";
    /** Classpath folder of the embedded subset. */
    static final String EMBEDDED_RESOURCE_DIR = "/dev/dendrite/data/fashion-mnist-subset/";

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";
    /** The four files, in the order train images, train labels, test images, test labels. */
    static final List<String> FILE_NAMES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

    /** Class names by label index, as published with the data set. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private final IdxArray trainImages;
    private final IdxArray trainLabels;
    private final IdxArray testImages;
    private final IdxArray testLabels;
    private final String source;

    /** {@code hint} is appended to {@link #source()}, e.g. how to get the full set. */
    private FashionMnist(IdxArray trainImages, IdxArray trainLabels, IdxArray testImages, IdxArray testLabels,
                         String origin, String hint) {
        checkSplit("train", trainImages, trainLabels, origin);
        checkSplit("test", testImages, testLabels, origin);
        int[] a = trainImages.dims();
        int[] b = testImages.dims();
        if (a[1] != b[1] || a[2] != b[2])
            throw new IllegalArgumentException("fashion-mnist: " + origin + ": train images are " + a[1] + "x" + a[2]
                    + " but test images are " + b[1] + "x" + b[2]);
        this.trainImages = trainImages;
        this.trainLabels = trainLabels;
        this.testImages = testImages;
        this.testLabels = testLabels;
        this.source = origin + ": " + trainImages.count() + " train / " + testImages.count() + " test images" + hint;
    }

    /**
     * Loads Fashion-MNIST from, in order: {@code dirOrNull} if given; the Debian package directory
     * {@value #SYSTEM_DIR_NAME} if it holds all four files; else the embedded subset.
     *
     * <p>Each file may be gzipped or not (detected from its content) and named with or without
     * {@code .gz}.
     *
     * @param dirOrNull a directory with the four IDX files, or null to use the fallbacks
     * @throws IllegalArgumentException if {@code dirOrNull} lacks files (all missing ones are named)
     *                                  or a file is malformed
     * @throws IOException if a file cannot be read
     */
    public static FashionMnist load(Path dirOrNull) throws IOException {
        return load(dirOrNull, Path.of(SYSTEM_DIR_NAME));
    }

    /** {@link #load(Path)} with the system directory injectable, so tests need not depend on the host. */
    static FashionMnist load(Path dirOrNull, Path systemDir) throws IOException {
        if (dirOrNull != null) {
            if (!Files.isDirectory(dirOrNull))
                throw new IllegalArgumentException("fashion-mnist: data directory " + dirOrNull + " does not exist"
                        + " or is not a directory");
            List<String> missing = new ArrayList<>();
            for (String name : FILE_NAMES) if (find(dirOrNull, name) == null) missing.add(name);
            if (!missing.isEmpty())
                throw new IllegalArgumentException("fashion-mnist: data directory " + dirOrNull + " lacks " + missing
                        + " (gzipped or not, with or without .gz)");
            return fromDirectory(dirOrNull, "directory " + dirOrNull);
        }
        if (systemDir != null && Files.isDirectory(systemDir)) {
            List<String> missing = new ArrayList<>();
            for (String name : FILE_NAMES) if (find(systemDir, name) == null) missing.add(name);
            if (missing.isEmpty()) return fromDirectory(systemDir, "system package " + systemDir);
            log.warn("{} lacks {}; using the embedded Fashion-MNIST subset", systemDir, missing);
        }
        return embedded();
    }

    /** The subset shipped in the jar. */
    static FashionMnist embedded() throws IOException {
        IdxArray[] parts = new IdxArray[4];
        for (int i = 0; i < 4; i++) {
            String resource = EMBEDDED_RESOURCE_DIR + FILE_NAMES.get(i);
            try (InputStream in = FashionMnist.class.getResourceAsStream(resource)) {
                if (in == null)
                    throw new IllegalStateException("fashion-mnist: the embedded subset is missing from the classpath ("
                            + resource + "); install the full set with `apt-get install dataset-fashion-mnist`"
                            + " or pass --data DIR");
                parts[i] = Idx.read(in, "classpath:" + resource);
            }
        }
        return new FashionMnist(parts[0], parts[1], parts[2], parts[3], "embedded subset",
                "; install the full set with `apt-get install dataset-fashion-mnist` or pass --data DIR");
    }

    private static FashionMnist fromDirectory(Path dir, String origin) throws IOException {
        IdxArray[] parts = new IdxArray[4];
        for (int i = 0; i < 4; i++) parts[i] = Idx.read(find(dir, FILE_NAMES.get(i)));
        FashionMnist data = new FashionMnist(parts[0], parts[1], parts[2], parts[3], origin, "");
        log.debug("Fashion-MNIST from {}", data.source);
        return data;
    }

    /** {@code dir/name}, else {@code dir/name} without ".gz" (a gunzipped copy), else null. */
    private static Path find(Path dir, String name) {
        Path gz = dir.resolve(name);
        if (Files.isRegularFile(gz)) return gz;
        Path plain = dir.resolve(name.substring(0, name.length() - ".gz".length()));
        return Files.isRegularFile(plain) ? plain : null;
    }

    private static void checkSplit(String split, IdxArray images, IdxArray labels, String origin) {
        int[] d = images.dims();
        if (d.length != 3)
            throw new IllegalArgumentException("fashion-mnist: " + origin + ": " + split + " images have dims "
                    + Arrays.toString(d) + ", expected [count, rows, cols]");
        int[] l = labels.dims();
        if (l.length != 1)
            throw new IllegalArgumentException("fashion-mnist: " + origin + ": " + split + " labels have dims "
                    + Arrays.toString(l) + ", expected [count]");
        if (l[0] != d[0])
            throw new IllegalArgumentException("fashion-mnist: " + origin + ": " + d[0] + " " + split + " images but "
                    + l[0] + " labels");
        byte[] y = labels.data();
        for (int i = 0; i < y.length; i++) {
            int label = y[i] & 0xFF;
            if (label >= CLASS_NAMES.size())
                throw new IllegalArgumentException("fashion-mnist: " + origin + ": " + split + " label " + i + " is "
                        + label + ", expected 0.." + (CLASS_NAMES.size() - 1));
        }
    }

    /** Training images, {@code [trainCount, rows, cols]} unsigned bytes, row-major. Not a copy. */
    public byte[] trainImages() {
        return trainImages.data();
    }

    /** Training labels, {@code [trainCount]}, each 0..9. Not a copy. */
    public byte[] trainLabels() {
        return trainLabels.data();
    }

    /** Test images, {@code [testCount, rows, cols]} unsigned bytes, row-major. Not a copy. */
    public byte[] testImages() {
        return testImages.data();
    }

    /** Test labels, {@code [testCount]}, each 0..9. Not a copy. */
    public byte[] testLabels() {
        return testLabels.data();
    }

    /** Number of training images (60000 for the full set). */
    public int trainCount() {
        return trainImages.count();
    }

    /** Number of test images (10000 for the full set). */
    public int testCount() {
        return testImages.count();
    }

    /** Image height in pixels (28). */
    public int rows() {
        return trainImages.dims()[1];
    }

    /** Image width in pixels (28). */
    public int cols() {
        return trainImages.dims()[2];
    }

    /** Where the data came from and how much there is, for the user to read. */
    public String source() {
        return source;
    }

    /** The name of class {@code label}, e.g. {@code className(9)} is "Ankle boot". */
    public static String className(int label) {
        if (label < 0 || label >= CLASS_NAMES.size())
            throw new IllegalArgumentException("fashion-mnist: label " + label + " is outside 0.." + (CLASS_NAMES.size() - 1));
        return CLASS_NAMES.get(label);
    }

    @Override
    public String toString() {
        return "FashionMnist(" + source + ")";
    }
}
