package dev.dendrite.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    /** [3, 2, 2] with values 0..10 and 255, so an unsigned byte above 127 is in there. */
    private static final int[] DIMS = {3, 2, 2};
    private static final byte[] DATA = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, (byte) 255};
    /** The same array as an IDX file, written out by hand: magic 00 00 08 03, dims 3, 2, 2 big-endian. */
    private static final byte[] FILE = HexFormat.of().parseHex(
            "00000803" + "00000003" + "00000002" + "00000002" + "000102030405060708090aff");

    @Test
    void writesTheExactPlainLayout() throws IOException {
        Path f = dir.resolve("a.idx");
        Idx.write(f, DIMS, DATA, false);
        assertArrayEquals(FILE, Files.readAllBytes(f));
    }

    @Test
    void roundTripsPlainAndGzip() throws IOException {
        for (boolean gzip : new boolean[]{false, true}) {
            Path f = dir.resolve("a" + gzip);
            Idx.write(f, DIMS, DATA, gzip);
            byte[] raw = Files.readAllBytes(f);
            assertEquals(gzip, (raw[0] & 0xFF) == 0x1f && (raw[1] & 0xFF) == 0x8b, "gzip magic present iff gzip");
            IdxArray a = Idx.read(f);
            assertArrayEquals(DIMS, a.dims());
            assertArrayEquals(DATA, a.data());
            assertEquals(3, a.count());
            assertEquals(4, a.itemSize());
            assertEquals(255, a.data()[11] & 0xFF);
        }
    }

    @Test
    void detectsGzipByContentNotName() throws IOException {
        Path gzNamedPlain = dir.resolve("labels.gz");
        Path plainNamedIdx = dir.resolve("labels.idx");
        Idx.write(gzNamedPlain, new int[]{4}, new byte[]{9, 0, 0, 3}, false);
        Idx.write(plainNamedIdx, new int[]{4}, new byte[]{9, 0, 0, 3}, true);
        assertArrayEquals(new byte[]{9, 0, 0, 3}, Idx.read(gzNamedPlain).data());
        assertArrayEquals(new byte[]{9, 0, 0, 3}, Idx.read(plainNamedIdx).data());
    }

    @Test
    void readsFromAStreamOfUnknownLength() throws IOException {
        IdxArray a = Idx.read(new ByteArrayInputStream(FILE), "mem");
        assertEquals(new IdxArray(DIMS, DATA), a);
        IdxArray b = Idx.read(new ByteArrayInputStream(gzip(FILE)), "mem.gz");
        assertEquals(new IdxArray(DIMS, DATA), b);
    }

    @Test
    void readsTheInstalledFashionMnistFiles() throws IOException {
        Path sys = Path.of(FashionMnist.SYSTEM_DIR_NAME);
        assumeTrue(Files.isRegularFile(sys.resolve("train-images-idx3-ubyte.gz")),
                "dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)");
        IdxArray images = Idx.read(sys.resolve("train-images-idx3-ubyte.gz"));
        assertArrayEquals(new int[]{60000, 28, 28}, images.dims());
        IdxArray labels = Idx.read(sys.resolve("train-labels-idx1-ubyte.gz"));
        assertArrayEquals(new int[]{60000}, labels.dims());
        // Published facts of the data set: the first training images are an ankle boot (9) and a T-shirt (0).
        assertEquals(9, labels.data()[0]);
        assertEquals(0, labels.data()[1]);
        // Row 14 of the first image, as read independently with Python's gzip module.
        byte[] row14 = Arrays.copyOfRange(images.data(), 14 * 28, 15 * 28);
        assertArrayEquals(HexFormat.of().parseHex("000001040607020000000000ede2d9dfdedbdeddd8dfe5d7daff4d00"), row14);
    }

    @Test
    void truncatedPlainFileSaysHowMuchIsMissing() throws IOException {
        Path f = dir.resolve("train-images-idx3-ubyte");
        Files.write(f, Arrays.copyOf(FILE, FILE.length - 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.read(f));
        assertEquals("idx: " + f + " is truncated: header promises 12 bytes of data, found 7", e.getMessage());
    }

    @Test
    void truncatedGzipContentIsReportedAsTruncated() throws IOException {
        // A well-formed gzip whose decompressed content stops short.
        Path f = dir.resolve("short.gz");
        Files.write(f, gzip(Arrays.copyOf(FILE, FILE.length - 5)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.read(f));
        assertEquals("idx: " + f + " is truncated: header promises 12 bytes of data, found 7 (after gunzipping)",
                e.getMessage());
    }

    @Test
    void cutOffGzipStreamIsReportedAsTruncated() throws IOException {
        // Random bytes do not compress, so cutting the gzip file in half cuts the data in half.
        byte[] data = new byte[4000];
        new Random(1).nextBytes(data);
        Path full = dir.resolve("full.gz");
        Idx.write(full, new int[]{4000}, data, true);
        byte[] raw = Files.readAllBytes(full);
        Path f = dir.resolve("cut.gz");
        Files.write(f, Arrays.copyOf(raw, raw.length / 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().startsWith("idx: " + f + " is truncated: header promises 4000 bytes of data, found "),
                e.getMessage());

        // All data present but the 8-byte gzip trailer (CRC, length) cut off.
        Files.write(f, Arrays.copyOf(raw, raw.length - 8));
        e = assertThrows(IllegalArgumentException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains("gzip stream is cut off before its end marker and CRC"), e.getMessage());
    }

    @Test
    void truncatedHeader() {
        byte[] cut = Arrays.copyOf(FILE, 9); // magic + 5 of the 12 dimension bytes
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Idx.read(new ByteArrayInputStream(cut), "x"));
        assertEquals("idx: x is truncated: the header ends after 9 bytes, a rank-3 header has 16", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Idx.read(new ByteArrayInputStream(new byte[]{0, 0}), "x"));
        assertEquals("idx: x is truncated: 2 bytes, too short for the 4-byte IDX magic number", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Idx.read(new ByteArrayInputStream(new byte[0]), "x"));
        assertEquals("idx: x is empty", e.getMessage());
    }

    @Test
    void wrongMagic() throws IOException {
        Path f = dir.resolve("notes.zip");
        Files.write(f, new byte[]{'P', 'K', 3, 4, 0, 0, 0, 0});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.read(f));
        assertEquals("idx: " + f + " is not an IDX file: it starts with 0x50 0x4B 0x03 0x04, expected 0x00 0x00 <type> <rank>"
                + " (nor is it gzip: no 0x1f 0x8b)", e.getMessage());
    }

    @Test
    void unsupportedTypeAndRank() {
        byte[] floats = FILE.clone();
        floats[2] = 0x0D;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Idx.read(new ByteArrayInputStream(floats), "f"));
        assertEquals("idx: f has element type 0x0D (32-bit float); only 0x08 (unsigned byte) is supported", e.getMessage());

        for (int rank : new int[]{0, 5}) {
            byte[] b = FILE.clone();
            b[3] = (byte) rank;
            e = assertThrows(IllegalArgumentException.class, () -> Idx.read(new ByteArrayInputStream(b), "r"));
            assertEquals("idx: r has rank " + rank + " in its magic number; supported ranks are 1 to 4", e.getMessage());
        }
    }

    @Test
    void nonPositiveDimensions() {
        byte[] zero = HexFormat.of().parseHex("00000802" + "00000003" + "00000000");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Idx.read(new ByteArrayInputStream(zero), "z"));
        assertEquals("idx: z has dimension 1 = 0 in header dims [3, 0]; every dimension must be > 0", e.getMessage());
        byte[] negative = HexFormat.of().parseHex("00000801" + "80000000");
        e = assertThrows(IllegalArgumentException.class, () -> Idx.read(new ByteArrayInputStream(negative), "n"));
        assertEquals("idx: n has dimension 0 = -2147483648 in header dims [-2147483648]; every dimension must be > 0",
                e.getMessage());
    }

    @Test
    void hostileHeaderFailsFastWithoutAllocating() throws IOException {
        // dims 65535^3 = 281,462,092,005,375 bytes promised by a 16-byte file.
        byte[] hostile = HexFormat.of().parseHex("00000803" + "0000ffff" + "0000ffff" + "0000ffff");
        Path plain = dir.resolve("hostile");
        Files.write(plain, hostile);
        Path gz = dir.resolve("hostile.gz");
        Files.write(gz, gzip(hostile));
        String expected = " header dims [65535, 65535, 65535] describe 281462092005375 bytes of data, more than the"
                + " 2147483639-byte limit of a Java array";
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.read(plain));
            assertEquals("idx: " + plain + expected, e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Idx.read(gz));
            assertEquals("idx: " + gz + expected, e.getMessage());
        });
    }

    @Test
    void headerJustUnderTheCapDoesNotAllocateWhatItPromises() throws IOException {
        // 2,147,483,000 bytes promised; the input has 100. With a stream or gzip the size is unknown
        // up front, so the reader must grow its buffer as data arrives rather than trust the header.
        byte[] liar = new byte[8 + 100];
        System.arraycopy(HexFormat.of().parseHex("00000801" + "7fffff78"), 0, liar, 0, 8);
        Path gz = dir.resolve("liar.gz");
        Files.write(gz, gzip(liar));
        Path plain = dir.resolve("liar");
        Files.write(plain, liar);

        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "this JVM does not count allocated bytes per thread");
        long before = threads.getCurrentThreadAllocatedBytes();
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class, () -> Idx.read(gz));
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> Idx.read(new ByteArrayInputStream(liar), "stream"));
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class, () -> Idx.read(plain));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals("idx: " + gz + " is truncated: header promises 2147483512 bytes of data, found 100 (after gunzipping)",
                e1.getMessage());
        assertEquals("idx: stream is truncated: header promises 2147483512 bytes of data, found 100", e2.getMessage());
        assertEquals("idx: " + plain + " is truncated: header promises 2147483512 bytes of data, found 100", e3.getMessage());
        assertTrue(allocated < 32L << 20, "reading three lying 100-byte inputs allocated " + allocated + " bytes");
    }

    @Test
    void trailingGarbageIsAnError() throws IOException {
        byte[] longer = Arrays.copyOf(FILE, FILE.length + 3);
        Path f = dir.resolve("long");
        Files.write(f, longer);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.read(f));
        assertEquals("idx: " + f + " has 3 trailing bytes after the 12 bytes of data its header promises", e.getMessage());
        Path g = dir.resolve("long.gz");
        Files.write(g, gzip(longer));
        e = assertThrows(IllegalArgumentException.class, () -> Idx.read(g));
        assertEquals("idx: " + g + " has 3 trailing bytes after the 12 bytes of data its header promises", e.getMessage());
    }

    @Test
    void corruptGzipIsAnIllegalArgument() throws IOException {
        byte[] data = new byte[2000];
        new Random(2).nextBytes(data);
        Path f = dir.resolve("c.gz");
        Idx.write(f, new int[]{2000}, data, true);
        byte[] raw = Files.readAllBytes(f);
        raw[raw.length - 6] ^= 0x55; // inside the CRC-32 of the trailer
        Files.write(f, raw);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().startsWith("idx: " + f + " has corrupt gzip data"), e.getMessage());
    }

    @Test
    void writeValidatesItsArguments() {
        Path f = dir.resolve("w");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Idx.write(f, new int[]{2, 3}, new byte[5], false));
        assertEquals("idx: dims [2, 3] describe 6 elements but data has 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Idx.write(f, new int[]{1, 1, 1, 1, 1}, new byte[1], false));
        assertEquals("idx: cannot write " + f + ": rank 5 [1, 1, 1, 1, 1] is outside the supported 1 to 4", e.getMessage());
        assertTrue(Files.notExists(f));
    }

    /** Seeded random mutations of a valid file: every outcome is a result or an IllegalArgumentException. */
    @Test
    void mutatedInputsFailCleanly() {
        byte[] data = new byte[300];
        new Random(3).nextBytes(data);
        byte[] plain = new byte[16 + 300];
        System.arraycopy(HexFormat.of().parseHex("00000803" + "00000003" + "0000000a" + "0000000a"), 0, plain, 0, 16);
        System.arraycopy(data, 0, plain, 16, 300);
        byte[] gz = gzip(plain);
        Random rnd = new Random(20240607L);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int i = 0; i < 2000; i++) {
                byte[] base = (i % 2 == 0) ? plain : gz;
                byte[] m = mutate(base, rnd);
                try {
                    IdxArray a = Idx.read(new ByteArrayInputStream(m), "fuzz");
                    long n = 1;
                    for (int d : a.dims()) n *= d;
                    assertEquals(n, a.data().length);
                } catch (IllegalArgumentException expected) {
                    assertTrue(expected.getMessage().startsWith("idx: fuzz "), expected.getMessage());
                } catch (Throwable t) {
                    fail("iteration " + i + ": unexpected " + t, t);
                }
            }
        });
    }

    static byte[] mutate(byte[] base, Random rnd) {
        byte[] m = base.clone();
        switch (rnd.nextInt(4)) {
            case 0 -> { // flip a few bytes, biased to the header
                int k = 1 + rnd.nextInt(4);
                for (int j = 0; j < k; j++) {
                    int pos = rnd.nextBoolean() ? rnd.nextInt(Math.min(24, m.length)) : rnd.nextInt(m.length);
                    m[pos] = (byte) rnd.nextInt(256);
                }
            }
            case 1 -> m = Arrays.copyOf(m, rnd.nextInt(m.length)); // truncate
            case 2 -> { // append garbage
                byte[] extra = new byte[1 + rnd.nextInt(20)];
                rnd.nextBytes(extra);
                byte[] l = Arrays.copyOf(m, m.length + extra.length);
                System.arraycopy(extra, 0, l, m.length, extra.length);
                m = l;
            }
            default -> { // overwrite one dimension with a random int
                int pos = 4 + 4 * rnd.nextInt(3);
                int v = rnd.nextInt();
                if (pos + 4 <= m.length) {
                    m[pos] = (byte) (v >>> 24);
                    m[pos + 1] = (byte) (v >>> 16);
                    m[pos + 2] = (byte) (v >>> 8);
                    m[pos + 3] = (byte) v;
                }
            }
        }
        return m;
    }

    static byte[] gzip(byte[] b) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream g = new GZIPOutputStream(out)) {
                g.write(b);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
