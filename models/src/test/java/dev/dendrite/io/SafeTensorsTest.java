package dev.dendrite.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dendrite.io.SafeTensors.Loaded;
import dev.dendrite.io.SafeTensors.TensorEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    // ---------------------------------------------------------------------------------------------
    // Round trips

    @Test
    void roundTripsAllDtypesScalarsEmptiesAndMetadata() throws IOException {
        float oddNaN = Float.intBitsToFloat(0x7fc00001); // a NaN payload must survive bit for bit
        Map<String, TensorEntry> t = new LinkedHashMap<>();
        t.put("w", TensorEntry.of(new float[]{1f, -0f, Float.MIN_VALUE, Float.POSITIVE_INFINITY, oddNaN, 3.25f}, 2, 3));
        t.put("b", TensorEntry.of(new double[]{Math.PI, -Double.MAX_VALUE}, 2));
        t.put("labels", TensorEntry.of(new int[]{Integer.MIN_VALUE, 0, Integer.MAX_VALUE}, 3));
        t.put("step", TensorEntry.of(new long[]{Long.MIN_VALUE + 1}));                      // scalar: shape []
        t.put("lr", TensorEntry.of(new float[]{0.01f}));                                     // scalar F32 at offset not 8-aligned
        t.put("none", TensorEntry.of(new float[0], 0));
        t.put("none3d", TensorEntry.of(new long[0], 2, 0, 3));
        t.put("z", TensorEntry.of(new double[]{-1.0}, 1, 1));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("epoch", "12");
        meta.put("note", "ünïcødé \"quoted\" \\ back\nslash");
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, t, meta);

        Loaded l = SafeTensors.read(f);
        assertEquals(List.copyOf(t.keySet()), List.copyOf(l.tensors().keySet()), "header order is insertion order");
        assertEquals(t, l.tensors());
        assertEquals(meta, l.metadata());
        assertEquals(0x7fc00001, Float.floatToRawIntBits(l.tensor("w").floats()[4]));
        assertEquals(0x80000000, Float.floatToRawIntBits(l.tensor("w").floats()[1]), "-0.0 keeps its sign");
        assertArrayEquals(new int[0], l.tensor("step").shape());
        assertEquals(1, l.tensor("step").elementCount());
        assertEquals(Long.MIN_VALUE + 1, l.tensor("step").longs()[0]);
        assertArrayEquals(new int[]{2, 0, 3}, l.tensor("none3d").shape());
        assertEquals("I64", l.tensor("none3d").dtype());
    }

    @Test
    void roundTripsTensorsLargerThanOneIoChunk() throws IOException {
        // 600,000 floats = 2.4 MB, more than the 1 MB transfer buffer: exercises the chunk boundaries.
        float[] big = new float[600_000];
        for (int i = 0; i < big.length; i++) big[i] = i * 0.5f;
        long[] longs = new long[200_001];
        for (int i = 0; i < longs.length; i++) longs[i] = (long) i * 3_000_000_000L;
        Map<String, TensorEntry> t = new LinkedHashMap<>();
        t.put("big", TensorEntry.of(big, 600, 1000));
        t.put("longs", TensorEntry.of(longs, longs.length));
        Path f = dir.resolve("big.safetensors");
        SafeTensors.write(f, t, null);
        Loaded l = SafeTensors.read(f);
        float[] back = l.tensor("big").floats();
        for (int i : new int[]{0, 1, 262_143, 262_144, 262_145, 599_999}) assertEquals(i * 0.5f, back[i]);
        assertArrayEquals(big, back);
        assertArrayEquals(longs, l.tensor("longs").longs());
        assertTrue(l.metadata().isEmpty());
    }

    @Test
    void writesAnEmptyFileOfNoTensors() throws IOException {
        Path f = dir.resolve("empty.safetensors");
        SafeTensors.write(f, Map.of(), Map.of());
        byte[] b = Files.readAllBytes(f);
        assertArrayEquals("\u0008\0\0\0\0\0\0\0{}      ".getBytes(StandardCharsets.US_ASCII), b);
        Loaded l = SafeTensors.read(f);
        assertTrue(l.tensors().isEmpty());
        assertTrue(l.metadata().isEmpty());
    }

    // ---------------------------------------------------------------------------------------------
    // Layout

    @Test
    void layoutOfAWrittenFileByteByByte() throws IOException {
        Map<String, TensorEntry> t = new LinkedHashMap<>();
        t.put("a", TensorEntry.of(new float[]{1.0f, -2.5f}, 2));
        t.put("b", TensorEntry.of(new long[]{258}));
        Path f = dir.resolve("layout.safetensors");
        SafeTensors.write(f, t, Map.of("k", "v"));
        byte[] b = Files.readAllBytes(f);

        String json = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}";
        assertEquals(132, json.length());
        int n = 136; // 132 rounded up to a multiple of 8
        // 8-byte little-endian header length
        assertArrayEquals(new byte[]{(byte) 136, 0, 0, 0, 0, 0, 0, 0}, java.util.Arrays.copyOf(b, 8));
        assertEquals(json + "    ", new String(b, 8, n, StandardCharsets.UTF_8), "JSON then space padding");
        assertEquals(8 + n + 16, b.length);
        // 1.0f = 0x3F800000 and -2.5f = 0xC0200000, little-endian; then 258 = 0x0102 as a little-endian long.
        assertEquals("0000803f" + "000020c0" + "0201000000000000",
                HexFormat.of().formatHex(b, 8 + n, b.length));
    }

    @Test
    void readsAFileWrittenByTheReferenceImplementation() throws IOException {
        // Written by Hugging Face safetensors 0.8.0 (safetensors.numpy.save_file), see the test resource.
        Path f = dir.resolve("hf_reference.safetensors");
        try (InputStream in = getClass().getResourceAsStream("hf_reference.safetensors")) {
            assertNotNull(in, "test resource hf_reference.safetensors");
            Files.copy(in, f);
        }
        Loaded l = SafeTensors.read(f);
        assertEquals(List.of("step", "bias", "empty", "weight", "idx"), List.copyOf(l.tensors().keySet()));
        assertEquals(Map.of("format", "np", "note", "written by safetensors 0.8.0"), l.metadata());
        assertEquals(TensorEntry.of(new float[]{1.5f, -2.0f, 0.25f, 3.0f, 1e-3f, -0.0f}, 2, 3), l.tensor("weight"));
        assertEquals(TensorEntry.of(new double[]{0.1, -0.2}, 2), l.tensor("bias"));
        assertEquals(TensorEntry.of(new long[]{7}), l.tensor("step"));
        assertEquals(TensorEntry.of(new int[]{-1, Integer.MAX_VALUE, Integer.MIN_VALUE}, 3), l.tensor("idx"));
        assertEquals(TensorEntry.of(new float[0], 0, 3), l.tensor("empty"));
    }

    @Test
    void acceptsForeignKeyOrderWhitespaceAndUnknownFields() throws IOException {
        String header = " { \"x\" : { \"data_offsets\" : [ 0 , 4 ] , \"extra\": {\"nested\": [1, {}]}, \"shape\" : [ 1 ] ,"
                + " \"dtype\" : \"I32\" } }\n";
        Path f = file(header, new byte[]{(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        assertEquals(TensorEntry.of(new int[]{-2}, 1), SafeTensors.read(f).tensor("x"));
    }

    // ---------------------------------------------------------------------------------------------
    // Corrupt files: each names the file and the problem

    private static final String A_F32_2 = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    @Test
    void tooShortForTheHeaderLength() throws IOException {
        Path f = dir.resolve("t");
        Files.write(f, new byte[]{1, 0, 0});
        assertCorrupt(f, "file is 3 bytes, too short for the 8-byte header length");
    }

    @Test
    void headerLengthBeyondTheFileOrTheCap() throws IOException {
        assertCorrupt(fileWithLength(1000, "{}"), "header length 1000 is larger than the 2 bytes that follow it (file is 10 bytes)");
        assertCorrupt(fileWithLength(100_000_001L, "{}"), "header length 100000001 exceeds the limit of 100000000 bytes");
        assertCorrupt(fileWithLength(-1L, "{}"), "header length 18446744073709551615 exceeds the limit of 100000000 bytes");
        assertCorrupt(fileWithLength(0, "{}"), "header length is 0; expected a JSON object");
    }

    @Test
    void invalidJson() throws IOException {
        SafeTensorsException e = assertCorrupt(file("{\"a\": {\"dtype\": ", new byte[0]), "header is not valid JSON: ");
        assertNotNull(e.getCause());
        assertCorrupt(file("[1, 2]", new byte[0]), "header must be a JSON object, found an array at char 1");
        assertCorrupt(file("{} {}", new byte[0]), "unexpected an object after the header's JSON object");
        Path f = dir.resolve("utf8");
        byte[] h = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        Files.write(f, concat(le(h.length), h));
        assertCorrupt(f, "header is not valid UTF-8");
    }

    @Test
    void unknownAndUnsupportedDtypes() throws IOException {
        assertCorrupt(file("{\"a\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]),
                "tensor 'a': unknown dtype 'Q8' (supported: F32 F64 I32 I64)");
        assertCorrupt(file("{\"a\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", new byte[2]),
                "tensor 'a': dtype BF16 is not supported (supported: F32 F64 I32 I64)");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}", new byte[2]),
                "tensor 'a': dtype F16 is not supported (supported: F32 F64 I32 I64)");
        assertCorrupt(file("{\"a\":{\"dtype\":3,\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'a' dtype must be a string, found an integer");
    }

    @Test
    void badShapes() throws IOException {
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,0]}}", new byte[0]),
                "tensor 'a' shape contains the negative value -1");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,0]}}", new byte[0]),
                "tensor 'a' shape [65536, 65536] has more than 2147483639 elements, the most a Java array holds");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[0,0]}}", new byte[0]),
                "tensor 'a' shape [4294967296] has dimension 0 = 4294967296, more than 2^31-1");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999999],\"data_offsets\":[0,0]}}",
                new byte[0]), "tensor 'a' shape contains 99999999999999999999999, which is out of range");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", new byte[8]),
                "tensor 'a' shape must contain only integers, found a floating-point number 2.0");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":3,\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'a' shape must be an array of integers, found an integer");
    }

    @Test
    void offsetsMustMatchTheSizeAndStayInRange() throws IOException {
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'a' is F32 [2], which needs 2 x 4 = 8 bytes, but data_offsets [0, 4] span 4");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}", new byte[8]),
                "tensor 'a' data_offsets [0, 16] run past the end of the 8-byte data section");
        assertCorrupt(file("{\"a\":{\"dtype\":\"I32\",\"shape\":[0],\"data_offsets\":[8,4]}}", new byte[8]),
                "tensor 'a' data_offsets [8, 4]: begin is after end");
        assertCorrupt(file("{\"a\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", new byte[8]),
                "tensor 'a' data_offsets must be [begin, end], found [0, 4, 8]");
        assertCorrupt(file("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,9223372036854775807]}}", new byte[8]),
                "tensor 'a' data_offsets [0, 9223372036854775807] run past the end of the 8-byte data section");
    }

    @Test
    void tensorsMustTileTheDataSection() throws IOException {
        String b = "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}";
        assertCorrupt(file("{" + A_F32_2 + "," + b + "}", new byte[12]),
                "tensors 'a' [0, 8) and 'b' [4, 12) overlap");
        String gap = "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}";
        assertCorrupt(file("{" + A_F32_2 + "," + gap + "}", new byte[16]),
                "bytes [8, 12) of the data section belong to no tensor (between 'a' and 'b')");
        assertCorrupt(file("{" + A_F32_2 + "}", new byte[12]),
                "bytes [8, 12) of the data section belong to no tensor (after 'a')");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]),
                "bytes [0, 4) of the data section belong to no tensor (before 'a')");
        assertCorrupt(file("{}", new byte[3]),
                "bytes [0, 3) of the data section belong to no tensor (the header lists no tensors)");
    }

    @Test
    void duplicatesAndMissingFields() throws IOException {
        assertCorrupt(file("{" + A_F32_2 + "," + A_F32_2 + "}", new byte[8]), "duplicate tensor name 'a' in the header");
        assertCorrupt(file("{\"__metadata__\":{},\"__metadata__\":{}}", new byte[0]),
                "duplicate '__metadata__' entry in the header");
        assertCorrupt(file("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", new byte[0]), "duplicate metadata key 'k'");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]),
                "tensor 'a' has two 'dtype' entries");
        assertCorrupt(file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", new byte[8]), "tensor 'a' has no 'shape'");
        assertCorrupt(file("{\"a\":[1]}", new byte[0]),
                "tensor 'a' must be an object with dtype, shape and data_offsets, found an array");
        assertCorrupt(file("{\"__metadata__\":{\"epoch\":3}}", new byte[0]), "metadata 'epoch' must be a string, found an integer");
        assertCorrupt(file("{\"__metadata__\":[]}", new byte[0]),
                "'__metadata__' must be an object of strings, found an array");
    }

    // ---------------------------------------------------------------------------------------------
    // Writing: validation and atomicity

    @Test
    void tensorEntryChecksItsParts() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TensorEntry("F32", new int[]{2, 2}, new float[3]));
        assertEquals("safetensors: tensor entry: shape [2, 2] has 4 elements but the float[] has 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TensorEntry("F32", new int[]{1}, new double[1]));
        assertEquals("safetensors: tensor entry: dtype F32 needs a float[], got double[]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TensorEntry("BF16", new int[]{1}, new float[1]));
        assertEquals("safetensors: tensor entry: dtype BF16 is not supported (supported: F32 F64 I32 I64)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TensorEntry("I32", new int[]{-1}, new int[0]));
        assertEquals("safetensors: tensor entry: shape [-1] has a negative dimension", e.getMessage());
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> TensorEntry.of(new int[1], 1).floats());
        assertEquals("safetensors: tensor [1] is I32, not F32", s.getMessage());
    }

    @Test
    void writeRejectsReservedNamesAndNulls() {
        Path f = dir.resolve("x.safetensors");
        Map<String, TensorEntry> t = Map.of("__metadata__", TensorEntry.of(new float[1], 1));
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.write(f, t, null));
        assertEquals("safetensors: " + f + ": '__metadata__' is reserved and cannot name a tensor", e.getMessage());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("k", null);
        e = assertThrows(SafeTensorsException.class, () -> SafeTensors.write(f, Map.of(), meta));
        assertEquals("safetensors: " + f + ": metadata entry k=null contains null", e.getMessage());
        e = assertThrows(SafeTensorsException.class, () -> SafeTensors.write(dir, Map.of(), null));
        assertEquals("safetensors: " + dir + ": is a directory", e.getMessage());
        assertFalse(Files.exists(f));
    }

    @Test
    void failureMidSaveLeavesThePreviousFileIntact() throws IOException {
        Path f = dir.resolve("ckpt.safetensors");
        SafeTensors.write(f, Map.of("old", TensorEntry.of(new float[]{1, 2, 3}, 3)), Map.of("epoch", "1"));
        byte[] before = Files.readAllBytes(f);

        // A 3 MB tensor is written in several chunks; fail after the second, as a full disk would.
        Map<String, TensorEntry> next = Map.of("new", TensorEntry.of(new float[750_000], 750_000));
        AtomicReference<Path> tempSeen = new AtomicReference<>();
        int[] calls = {0};
        IOException e = assertThrows(IOException.class, () -> SafeTensors.write(f, next, Map.of("epoch", "2"),
                (temp, written) -> {
                    tempSeen.set(temp);
                    // The partial data goes to a separate file; the target is untouched meanwhile.
                    assertEquals(f.toAbsolutePath().getParent(), temp.getParent());
                    assertArrayEquals(before, Files.readAllBytes(f));
                    assertEquals(written, Files.size(temp), "bytes so far are in the temporary file");
                    if (++calls[0] == 3) throw new IOException("No space left on device (simulated)");
                }));
        assertEquals("No space left on device (simulated)", e.getMessage());
        assertEquals(3, calls[0]);
        assertTrue(Files.notExists(tempSeen.get()), "temporary file deleted");
        assertArrayEquals(before, Files.readAllBytes(f), "target unchanged");
        assertEquals(List.of(f.getFileName().toString()), listNames(dir), "temporary file removed");
        assertEquals(Map.of("epoch", "1"), SafeTensors.read(f).metadata());

        // An unchecked failure (e.g. OutOfMemoryError, a bug) behaves the same.
        assertThrows(IllegalStateException.class, () -> SafeTensors.write(f, next, null, (temp, written) -> {
            throw new IllegalStateException("boom");
        }));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of(f.getFileName().toString()), listNames(dir));

        // And a save that completes replaces the file.
        SafeTensors.write(f, next, Map.of("epoch", "2"));
        assertEquals(Map.of("epoch", "2"), SafeTensors.read(f).metadata());
        assertEquals(List.of(f.getFileName().toString()), listNames(dir));
    }

    @Test
    void missingDirectoryIsAnIoErrorAndCreatesNothing() {
        Path f = dir.resolve("no/such/dir/x.safetensors");
        assertThrows(NoSuchFileException.class, () -> SafeTensors.write(f, Map.of(), null));
        assertFalse(Files.exists(dir.resolve("no")));
    }

    @Test
    void savedFileHasOrdinaryPermissions() throws IOException {
        // Files.createTempFile would make the checkpoint owner-only (0600); a save must not.
        Path ref = Files.createFile(dir.resolve("ref"));
        Set<PosixFilePermission> ordinary;
        try {
            ordinary = Files.getPosixFilePermissions(ref);
        } catch (UnsupportedOperationException notPosix) {
            return;
        }
        Path f = dir.resolve("p.safetensors");
        SafeTensors.write(f, Map.of(), null);
        assertEquals(ordinary, Files.getPosixFilePermissions(f));
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    private SafeTensorsException assertCorrupt(Path f, String expectedDetail) {
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().startsWith("safetensors: " + f + ": "), e.getMessage());
        assertTrue(e.detail().startsWith(expectedDetail), "expected '" + expectedDetail + "', got '" + e.detail() + "'");
        assertEquals(f, e.file());
        return e;
    }

    private int counter;

    /** A file with the given header (its true length, no padding) and data section. */
    private Path file(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("f" + (counter++) + ".safetensors");
        Files.write(f, concat(le(h.length), h, data));
        return f;
    }

    /** A file whose 8-byte length field says {@code length} whatever follows. */
    private Path fileWithLength(long length, String rest) throws IOException {
        Path f = dir.resolve("f" + (counter++) + ".safetensors");
        Files.write(f, concat(le(length), rest.getBytes(StandardCharsets.UTF_8)));
        return f;
    }

    static byte[] le(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    private static List<String> listNames(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
