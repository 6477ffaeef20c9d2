package dev.dendrite.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir
    Path tmp;

    private static final String EMBEDDED_SOURCE = "embedded subset: 6000 train / 1000 test images; install the full set"
            + " with `apt-get install dataset-fashion-mnist` or pass --data DIR";

    @Test
    void fallsBackToTheEmbeddedSubsetWhenThePackageIsAbsent() throws IOException {
        FashionMnist d = FashionMnist.load(null, tmp.resolve("no-such-dir"));
        assertEquals(EMBEDDED_SOURCE, d.source());
        assertEquals(6000, d.trainCount());
        assertEquals(1000, d.testCount());
        assertEquals(28, d.rows());
        assertEquals(28, d.cols());
        assertEquals(6000 * 28 * 28, d.trainImages().length);
        assertEquals(6000, d.trainLabels().length);
        assertEquals(1000 * 28 * 28, d.testImages().length);
        assertEquals(1000, d.testLabels().length);
        // Published facts: the first training labels are 9, 0, 0, 3 and the first test labels 9, 2, 1, 1.
        assertArrayEquals(new byte[]{9, 0, 0, 3}, Arrays.copyOf(d.trainLabels(), 4));
        assertArrayEquals(new byte[]{9, 2, 1, 1}, Arrays.copyOf(d.testLabels(), 4));
        // Every class is present in both splits (the README lists the counts).
        int[] train = new int[10];
        for (byte y : d.trainLabels()) train[y]++;
        int[] test = new int[10];
        for (byte y : d.testLabels()) test[y]++;
        for (int c = 0; c < 10; c++) {
            assertTrue(train[c] >= 500, "train class " + c + " has " + train[c]);
            assertTrue(test[c] >= 80, "test class " + c + " has " + test[c]);
        }
    }

    @Test
    void embeddedSubsetIsThePrefixOfTheFullSet() throws IOException {
        Path sys = Path.of(FashionMnist.SYSTEM_DIR_NAME);
        assumeTrue(Files.isDirectory(sys), "dataset-fashion-mnist is not installed");
        FashionMnist full = FashionMnist.load(null);
        assertEquals("system package " + sys + ": 60000 train / 10000 test images", full.source());
        FashionMnist sub = FashionMnist.load(null, tmp.resolve("absent"));
        assertArrayEquals(sub.trainImages(), Arrays.copyOf(full.trainImages(), 6000 * 784));
        assertArrayEquals(sub.trainLabels(), Arrays.copyOf(full.trainLabels(), 6000));
        assertArrayEquals(sub.testImages(), Arrays.copyOf(full.testImages(), 1000 * 784));
        assertArrayEquals(sub.testLabels(), Arrays.copyOf(full.testLabels(), 1000));
    }

    @Test
    void usesAGivenDirectoryAndAcceptsGunzippedFiles() throws IOException {
        Path d = Files.createDirectory(tmp.resolve("data"));
        writeTiny(d, 5, 3, false);
        FashionMnist m = FashionMnist.load(d, tmp.resolve("absent"));
        assertEquals("directory " + d + ": 5 train / 3 test images", m.source());
        assertEquals(2, m.rows());
        assertEquals(3, m.cols());
        assertArrayEquals(new byte[]{0, 1, 2, 3, 4}, m.trainLabels());
        assertArrayEquals(new byte[]{0, 1, 2}, m.testLabels());
        assertEquals(6, m.trainImages()[6 * 4 + 5] & 0xFF); // image 4, row 1, col 2 holds 4 + 1 * 2 = 6 (see writeTiny)
    }

    @Test
    void givenDirectoryWithMissingFilesListsThem() throws IOException {
        Path d = Files.createDirectory(tmp.resolve("partial"));
        Idx.write(d.resolve("train-images-idx3-ubyte.gz"), new int[]{1, 1, 1}, new byte[1], true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnist.load(d, null));
        assertEquals("fashion-mnist: data directory " + d + " lacks [train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,"
                + " t10k-labels-idx1-ubyte.gz] (gzipped or not, with or without .gz)", e.getMessage());
        Path none = tmp.resolve("nothing-here");
        e = assertThrows(IllegalArgumentException.class, () -> FashionMnist.load(none, null));
        assertEquals("fashion-mnist: data directory " + none + " does not exist or is not a directory", e.getMessage());
    }

    @Test
    void prefersTheSystemDirectoryWhenComplete() throws IOException {
        Path sys = Files.createDirectory(tmp.resolve("sys"));
        writeTiny(sys, 4, 2, true);
        FashionMnist m = FashionMnist.load(null, sys);
        assertEquals("system package " + sys + ": 4 train / 2 test images", m.source());

        Files.delete(sys.resolve("t10k-labels-idx1-ubyte.gz")); // incomplete: fall back
        assertEquals(EMBEDDED_SOURCE, FashionMnist.load(null, sys).source());
    }

    @Test
    void rejectsInconsistentFiles() throws IOException {
        Path d = Files.createDirectory(tmp.resolve("bad"));
        writeTiny(d, 4, 2, true);
        Idx.write(d.resolve("train-labels-idx1-ubyte.gz"), new int[]{3}, new byte[]{0, 1, 2}, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnist.load(d, null));
        assertEquals("fashion-mnist: directory " + d + ": 4 train images but 3 labels", e.getMessage());

        Idx.write(d.resolve("train-labels-idx1-ubyte.gz"), new int[]{4}, new byte[]{0, 1, 10, 2}, true);
        e = assertThrows(IllegalArgumentException.class, () -> FashionMnist.load(d, null));
        assertEquals("fashion-mnist: directory " + d + ": train label 2 is 10, expected 0..9", e.getMessage());
    }

    @Test
    void classNames() {
        assertEquals(10, FashionMnist.CLASS_NAMES.size());
        assertEquals("T-shirt/top", FashionMnist.className(0));
        assertEquals("Ankle boot", FashionMnist.className(9));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnist.className(10));
        assertEquals("fashion-mnist: label 10 is outside 0..9", e.getMessage());
    }

    /** {@code n} train and {@code m} test images of 2x3 pixels; pixel (r, c) of image i is i + r * c; label i. */
    private static void writeTiny(Path dir, int n, int m, boolean gzipNames) throws IOException {
        write(dir, "train", n, gzipNames);
        write(dir, "t10k", m, gzipNames);
    }

    private static void write(Path dir, String split, int count, boolean gzipNames) throws IOException {
        byte[] x = new byte[count * 6];
        byte[] y = new byte[count];
        for (int i = 0; i < count; i++) {
            y[i] = (byte) i;
            for (int r = 0; r < 2; r++) for (int c = 0; c < 3; c++) x[i * 6 + r * 3 + c] = (byte) (i + r * c);
        }
        String suffix = gzipNames ? ".gz" : "";
        // Gunzipped names get plain content and .gz names gzip, as after a real `gunzip`.
        Idx.write(dir.resolve(split + "-images-idx3-ubyte" + suffix), new int[]{count, 2, 3}, x, gzipNames);
        Idx.write(dir.resolve(split + "-labels-idx1-ubyte" + suffix), new int[]{count}, y, gzipNames);
    }
}
