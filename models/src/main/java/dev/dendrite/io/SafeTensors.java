package dev.dendrite.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format
 * for float32, float64, int32 and int64 tensors held in plain Java arrays.
 *
 * <p>Layout: an 8-byte little-endian unsigned header length {@code N}; {@code N} bytes of UTF-8
 * JSON mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}, plus an
 * optional {@code "__metadata__"} object of string to string; then the data section, little-endian,
 * with offsets relative to its first byte. Tensors must cover the data section exactly: no gaps, no
 * overlaps.
 *
 * <p>Writing is atomic (Note [Atomic save]). Reading validates the whole header against the file
 * size before allocating any tensor, so a malformed file fails with a {@link SafeTensorsException}
 * naming the file and the problem, never with a partial result or an {@link OutOfMemoryError}.
 */
public final class SafeTensors {
    private static final Logger log = LoggerFactory.getLogger(SafeTensors.class);

    /** Largest JSON header accepted (the reference implementation uses the same limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Reserved header key for the string-to-string metadata; it cannot name a tensor. */
    public static final String METADATA_KEY = "__metadata__";

    /** Data moves between arrays and the file through buffers of this size. */
    private static final int CHUNK_BYTES = 1 << 20;
    /** Tensors become Java arrays, so an element count must fit one. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private static final JsonFactory JSON = new JsonFactory();

    private static final String SUPPORTED = "F32 F64 I32 I64";
    /** dtypes of the format that we recognise but do not load, so the message can say "not supported". */
    private static final Set<String> KNOWN_UNSUPPORTED = Set.of("BOOL", "U8", "I8", "I16", "U16", "F16", "BF16",
            "U32", "U64", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64");

    private SafeTensors() {
    }

    /** The element types we read and write; {@code name()} is the format's spelling. */
    private enum Dtype {
        F32(4, float[].class), F64(8, double[].class), I32(4, int[].class), I64(8, long[].class);

        final int byteSize;
        final Class<?> arrayType;

        Dtype(int byteSize, Class<?> arrayType) {
            this.byteSize = byteSize;
            this.arrayType = arrayType;
        }

        /** The dtype named {@code s}, or null if it is not one we support. */
        static Dtype parse(String s) {
            for (Dtype d : values()) if (d.name().equals(s)) return d;
            return null;
        }

        /** Why {@code s} is rejected, e.g. {@code dtype BF16 is not supported (supported: F32 F64 I32 I64)}. */
        static String rejection(String s) {
            if (s != null && KNOWN_UNSUPPORTED.contains(s))
                return "dtype " + s + " is not supported (supported: " + SUPPORTED + ")";
            return "unknown dtype " + (s == null ? "null" : "'" + s + "'") + " (supported: " + SUPPORTED + ")";
        }

        Object newArray(int n) {
            return switch (this) {
                case F32 -> new float[n];
                case F64 -> new double[n];
                case I32 -> new int[n];
                case I64 -> new long[n];
            };
        }
    }

    /**
     * One tensor: its dtype, shape and row-major data.
     *
     * @param dtype {@code "F32"}, {@code "F64"}, {@code "I32"} or {@code "I64"}
     * @param shape sizes, each {@code >= 0}; {@code []} is a scalar (one element)
     * @param data {@code float[]}, {@code double[]}, {@code int[]} or {@code long[]} matching {@code dtype},
     *             with {@code product(shape)} elements; not copied
     */
    public record TensorEntry(String dtype, int[] shape, Object data) {

        /** Checks that dtype, shape and data agree. */
        public TensorEntry {
            Dtype dt = Dtype.parse(dtype);
            if (dt == null) throw new IllegalArgumentException("safetensors: tensor entry: " + Dtype.rejection(dtype));
            if (shape == null) throw new IllegalArgumentException("safetensors: tensor entry: shape must not be null");
            shape = shape.clone();
            long n = countElements(shape);
            if (n < 0)
                throw new IllegalArgumentException("safetensors: tensor entry: shape " + Arrays.toString(shape)
                        + (n == -1 ? " has a negative dimension" : " has more elements than a Java array holds"));
            if (!dt.arrayType.isInstance(data))
                throw new IllegalArgumentException("safetensors: tensor entry: dtype " + dtype + " needs a "
                        + dt.arrayType.getSimpleName() + ", got " + (data == null ? "null" : data.getClass().getSimpleName()));
            int length = java.lang.reflect.Array.getLength(data);
            if (length != n)
                throw new IllegalArgumentException("safetensors: tensor entry: shape " + Arrays.toString(shape)
                        + " has " + n + " elements but the " + dt.arrayType.getSimpleName() + " has " + length);
        }

        /** A float32 tensor of the given shape (no shape: a scalar). */
        public static TensorEntry of(float[] data, int... shape) {
            return new TensorEntry("F32", shape, data);
        }

        /** A float64 tensor of the given shape (no shape: a scalar). */
        public static TensorEntry of(double[] data, int... shape) {
            return new TensorEntry("F64", shape, data);
        }

        /** An int32 tensor of the given shape (no shape: a scalar). */
        public static TensorEntry of(int[] data, int... shape) {
            return new TensorEntry("I32", shape, data);
        }

        /** An int64 tensor of the given shape (no shape: a scalar). */
        public static TensorEntry of(long[] data, int... shape) {
            return new TensorEntry("I64", shape, data);
        }

        /** A copy of the shape. */
        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** Number of elements: the product of the shape, 1 for a scalar. */
        public int elementCount() {
            return java.lang.reflect.Array.getLength(data);
        }

        /** Size of the data in the file. */
        public long byteSize() {
            return (long) elementCount() * Dtype.parse(dtype).byteSize;
        }

        /** The data of an F32 tensor; throws naming the actual dtype otherwise. */
        public float[] floats() {
            return typed(float[].class, "F32");
        }

        /** The data of an F64 tensor; throws naming the actual dtype otherwise. */
        public double[] doubles() {
            return typed(double[].class, "F64");
        }

        /** The data of an I32 tensor; throws naming the actual dtype otherwise. */
        public int[] ints() {
            return typed(int[].class, "I32");
        }

        /** The data of an I64 tensor; throws naming the actual dtype otherwise. */
        public long[] longs() {
            return typed(long[].class, "I64");
        }

        private <T> T typed(Class<T> type, String wanted) {
            if (!type.isInstance(data))
                throw new IllegalStateException("safetensors: tensor " + Arrays.toString(shape) + " is " + dtype
                        + ", not " + wanted);
            return type.cast(data);
        }

        /** Content equality: same dtype, shape and elements (floats compared as by {@link Arrays#equals(float[], float[])}). */
        @Override
        public boolean equals(Object o) {
            return o instanceof TensorEntry other && dtype.equals(other.dtype) && Arrays.equals(shape, other.shape)
                    && Objects.deepEquals(data, other.data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.deepHashCode(new Object[]{data}));
        }

        /** dtype and shape only; the data can be large. */
        @Override
        public String toString() {
            return dtype + Arrays.toString(shape);
        }
    }

    /**
     * The contents of a safetensors file.
     *
     * @param tensors by name, in header order; unmodifiable
     * @param metadata the {@code __metadata__} entries (empty if absent); unmodifiable
     */
    public record Loaded(Map<String, TensorEntry> tensors, Map<String, String> metadata) {

        /** Keeps the maps' order and makes them unmodifiable. */
        public Loaded {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** The tensor called {@code name}; throws listing the names present if there is none. */
        public TensorEntry tensor(String name) {
            TensorEntry e = tensors.get(name);
            if (e == null)
                throw new IllegalArgumentException("safetensors: no tensor '" + name + "'; present: " + tensors.keySet());
            return e;
        }
    }

    /** Test seam: called after the header and after each data chunk reaches the temporary file. */
    @FunctionalInterface
    interface WriteHook {
        void afterWrite(Path tempFile, long bytesWritten) throws IOException;
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /**
     * Writes {@code tensors} (data laid out in the map's iteration order) and {@code metadata} to
     * {@code file}, atomically replacing any existing file. See Note [Atomic save].
     *
     * @param file destination; its directory must exist
     * @param tensors name to tensor; use a {@link LinkedHashMap} to control the order
     * @param metadata string-to-string metadata, or null / empty for none
     * @throws SafeTensorsException if a name is null or {@value #METADATA_KEY}, metadata has nulls,
     *                              or {@code file} is a directory
     * @throws IOException if writing fails; {@code file} is then as it was before
     */
    public static void write(Path file, Map<String, TensorEntry> tensors, Map<String, String> metadata)
            throws IOException {
        write(file, tensors, metadata, null);
    }

    // Note [Atomic save]
    // A checkpoint is overwritten every few epochs; a crash or full disk half-way through must not
    // destroy the previous one. We write a hidden temporary file next to the target (same directory,
    // hence same file system, so the rename can be atomic), force it to disk, then rename it over the
    // target with ATOMIC_MOVE. Readers see either the old file or the complete new one. On failure the
    // temporary file is deleted; a hard kill can leave a ".<name>.<random>.tmp" behind, never a torn
    // target. The temp file is created with CREATE_NEW rather than Files.createTempFile so that it gets
    // the usual permissions (createTempFile makes it owner-only, which the rename would keep).
    static void write(Path file, Map<String, TensorEntry> tensors, Map<String, String> metadata, WriteHook hook)
            throws IOException {
        if (file == null) throw new IllegalArgumentException("safetensors: write: file must not be null");
        if (tensors == null) throw new SafeTensorsException(file, "tensors must not be null");
        Map<String, String> meta = metadata == null ? Map.of() : metadata;
        for (Map.Entry<String, TensorEntry> e : tensors.entrySet()) {
            if (e.getKey() == null) throw new SafeTensorsException(file, "a tensor name is null");
            if (e.getKey().equals(METADATA_KEY))
                throw new SafeTensorsException(file, "'" + METADATA_KEY + "' is reserved and cannot name a tensor");
            if (e.getValue() == null) throw new SafeTensorsException(file, "tensor '" + e.getKey() + "' is null");
        }
        for (Map.Entry<String, String> e : meta.entrySet()) {
            if (e.getKey() == null || e.getValue() == null)
                throw new SafeTensorsException(file, "metadata entry " + e.getKey() + "=" + e.getValue() + " contains null");
        }
        Path target = file.toAbsolutePath();
        if (Files.isDirectory(target)) throw new SafeTensorsException(file, "is a directory");

        byte[] header = encodeHeader(tensors, meta);
        Path dir = target.getParent();
        Path temp = createTemp(dir, target.getFileName().toString());
        boolean moved = false;
        try {
            long written;
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
                prefix.putLong(header.length).put(header).flip();
                writeFully(ch, prefix);
                written = 8 + header.length;
                if (hook != null) hook.afterWrite(temp, written);
                long maxBytes = 0;
                for (TensorEntry t : tensors.values()) maxBytes = Math.max(maxBytes, t.byteSize());
                ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(8, maxBytes)))
                        .order(ByteOrder.LITTLE_ENDIAN);
                for (TensorEntry t : tensors.values()) {
                    Dtype dt = Dtype.parse(t.dtype());
                    int n = t.elementCount();
                    int perChunk = chunk.capacity() / dt.byteSize;
                    for (int off = 0; off < n; off += perChunk) {
                        int k = Math.min(perChunk, n - off);
                        chunk.clear();
                        switch (dt) {
                            case F32 -> chunk.asFloatBuffer().put((float[]) t.data(), off, k);
                            case F64 -> chunk.asDoubleBuffer().put((double[]) t.data(), off, k);
                            case I32 -> chunk.asIntBuffer().put((int[]) t.data(), off, k);
                            case I64 -> chunk.asLongBuffer().put((long[]) t.data(), off, k);
                        }
                        chunk.limit(k * dt.byteSize);
                        writeFully(ch, chunk);
                        written += (long) k * dt.byteSize;
                        if (hook != null) hook.afterWrite(temp, written);
                    }
                }
                ch.force(true);
            }
            moveIntoPlace(temp, target);
            moved = true;
            syncDirectory(dir);
            log.debug("wrote {} tensors, {} bytes, to {}", tensors.size(), written, target);
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    log.warn("could not delete temporary file {} after a failed save: {}", temp, e.toString());
                }
            }
        }
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes so the data section is 8-aligned. */
    private static byte[] encodeHeader(Map<String, TensorEntry> tensors, Map<String, String> meta) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(bytes, JsonEncoding.UTF8)) {
            g.writeStartObject();
            if (!meta.isEmpty()) {
                g.writeObjectFieldStart(METADATA_KEY);
                for (Map.Entry<String, String> e : meta.entrySet()) g.writeStringField(e.getKey(), e.getValue());
                g.writeEndObject();
            }
            long offset = 0;
            for (Map.Entry<String, TensorEntry> e : tensors.entrySet()) {
                TensorEntry t = e.getValue();
                g.writeObjectFieldStart(e.getKey());
                g.writeStringField("dtype", t.dtype());
                g.writeArrayFieldStart("shape");
                for (int d : t.shape) g.writeNumber(d);
                g.writeEndArray();
                long end = offset + t.byteSize();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(end);
                g.writeEndArray();
                g.writeEndObject();
                offset = end;
            }
            g.writeEndObject();
        }
        int padded = (bytes.size() + 7) / 8 * 8;
        while (bytes.size() < padded) bytes.write(' ');
        return bytes.toByteArray();
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temp;
            } catch (FileAlreadyExistsException e) {
                if (attempt == 9) throw e;
            }
        }
    }

    private static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // Only on unusual file systems (the temp file is in the target's own directory).
            log.warn("atomic rename is not supported for {}; replacing it non-atomically", target);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes the rename itself durable on POSIX systems; elsewhere a directory cannot be opened, which is fine. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("could not fsync directory {}: {}", dir, e.toString());
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /** A tensor's header entry, validated against the data section. */
    private record Info(String name, Dtype dtype, int[] shape, int count, long begin, long end) {
    }

    /**
     * Reads a safetensors file of F32, F64, I32 and I64 tensors.
     *
     * @param file the file
     * @return the tensors in header order, and the metadata
     * @throws SafeTensorsException if the file is malformed or holds an unsupported dtype
     * @throws IOException if the file cannot be read
     */
    public static Loaded read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(file, ch);
        }
    }

    /**
     * Reads from any seekable channel (a file, or bytes in memory in tests); {@code file} names it
     * in messages. The channel is left open.
     */
    static Loaded read(Path file, SeekableByteChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8)
            throw new SafeTensorsException(file, "file is " + size + " bytes, too short for the 8-byte header length");
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lenBuf, 0);
        long n = lenBuf.getLong(0); // unsigned in the format: negative here means >= 2^63
        if (n < 0 || n > MAX_HEADER_BYTES)
            throw new SafeTensorsException(file, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        if (n > size - 8)
            throw new SafeTensorsException(file, "header length " + n + " is larger than the " + (size - 8)
                    + " bytes that follow it (file is " + size + " bytes)");
        if (n == 0) throw new SafeTensorsException(file, "header length is 0; expected a JSON object");
        ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
        readFully(file, ch, headerBuf, 8);
        long dataStart = 8 + n;
        long dataSize = size - dataStart;

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Info> infos = parseHeader(file, headerBuf.array(), dataSize, metadata);
        checkCoverage(file, infos, dataSize);

        // Everything is validated: allocation is now bounded by the file's own size.
        Map<String, TensorEntry> tensors = new LinkedHashMap<>();
        long maxBytes = 0;
        for (Info info : infos) maxBytes = Math.max(maxBytes, info.end - info.begin);
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(8, maxBytes)))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (Info info : infos) {
            Object data = info.dtype.newArray(info.count);
            int perChunk = chunk.capacity() / info.dtype.byteSize;
            long pos = dataStart + info.begin;
            for (int off = 0; off < info.count; off += perChunk) {
                int k = Math.min(perChunk, info.count - off);
                chunk.clear().limit(k * info.dtype.byteSize);
                readFully(file, ch, chunk, pos);
                pos += (long) k * info.dtype.byteSize;
                chunk.flip();
                switch (info.dtype) {
                    case F32 -> chunk.asFloatBuffer().get((float[]) data, off, k);
                    case F64 -> chunk.asDoubleBuffer().get((double[]) data, off, k);
                    case I32 -> chunk.asIntBuffer().get((int[]) data, off, k);
                    case I64 -> chunk.asLongBuffer().get((long[]) data, off, k);
                }
            }
            tensors.put(info.name, new TensorEntry(info.dtype.name(), info.shape, data));
        }
        log.debug("read {} tensors from {}", tensors.size(), file);
        return new Loaded(tensors, metadata);
    }

    private static void readFully(Path file, SeekableByteChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        ch.position(pos);
        while (buf.hasRemaining()) {
            int n = ch.read(buf);
            if (n < 0)
                throw new SafeTensorsException(file, "file ended at byte " + pos + " while reading up to byte "
                        + (pos + buf.remaining()) + " (was it modified while being read?)");
            pos += n;
        }
    }

    /** Parses and validates the header; fills {@code metadata}; returns the tensors in header order. */
    private static List<Info> parseHeader(Path file, byte[] header, long dataSize, Map<String, String> metadata)
            throws IOException {
        String text;
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = utf8.decode(ByteBuffer.wrap(header));
            text = chars.toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsException(file, "header is not valid UTF-8", e);
        }
        List<Info> infos = new ArrayList<>();
        Map<String, Info> byName = new LinkedHashMap<>();
        boolean metadataSeen = false;
        try (JsonParser p = JSON.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT)
                throw new SafeTensorsException(file, "header must be a JSON object, found " + describe(t)
                        + " at " + where(p));
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals(METADATA_KEY)) {
                    if (metadataSeen) throw new SafeTensorsException(file, "duplicate '" + METADATA_KEY + "' entry in the header");
                    metadataSeen = true;
                    parseMetadata(file, p, metadata);
                } else {
                    if (byName.containsKey(name))
                        throw new SafeTensorsException(file, "duplicate tensor name '" + name + "' in the header");
                    Info info = parseInfo(file, p, name, dataSize);
                    byName.put(name, info);
                    infos.add(info);
                }
            }
            if (t != JsonToken.END_OBJECT)
                throw new SafeTensorsException(file, "malformed header: expected a tensor name, found " + describe(t));
            t = p.nextToken();
            if (t != null)
                throw new SafeTensorsException(file, "unexpected " + describe(t) + " after the header's JSON object at " + where(p));
        } catch (JsonProcessingException e) {
            throw new SafeTensorsException(file, "header is not valid JSON: " + e.getOriginalMessage()
                    + " at " + (e.getLocation() == null ? "?" : "char " + e.getLocation().getCharOffset()), e);
        }
        return infos;
    }

    private static void parseMetadata(Path file, JsonParser p, Map<String, String> metadata) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT)
            throw new SafeTensorsException(file, "'" + METADATA_KEY + "' must be an object of strings, found "
                    + describe(p.currentToken()));
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            if (v != JsonToken.VALUE_STRING)
                throw new SafeTensorsException(file, "metadata '" + key + "' must be a string, found " + describe(v));
            if (metadata.containsKey(key)) throw new SafeTensorsException(file, "duplicate metadata key '" + key + "'");
            metadata.put(key, p.getText());
        }
        if (t != JsonToken.END_OBJECT)
            throw new SafeTensorsException(file, "malformed '" + METADATA_KEY + "': found " + describe(t));
    }

    private static Info parseInfo(Path file, JsonParser p, String name, long dataSize) throws IOException {
        String what = "tensor '" + name + "'";
        if (p.currentToken() != JsonToken.START_OBJECT)
            throw new SafeTensorsException(file, what + " must be an object with dtype, shape and data_offsets, found "
                    + describe(p.currentToken()));
        String dtypeName = null;
        long[] shape = null;
        long[] offsets = null;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            switch (key) {
                case "dtype" -> {
                    if (dtypeName != null) throw new SafeTensorsException(file, what + " has two 'dtype' entries");
                    if (v != JsonToken.VALUE_STRING)
                        throw new SafeTensorsException(file, what + " dtype must be a string, found " + describe(v));
                    dtypeName = p.getText();
                }
                case "shape" -> {
                    if (shape != null) throw new SafeTensorsException(file, what + " has two 'shape' entries");
                    shape = parseLongs(file, p, what + " shape");
                }
                case "data_offsets" -> {
                    if (offsets != null) throw new SafeTensorsException(file, what + " has two 'data_offsets' entries");
                    offsets = parseLongs(file, p, what + " data_offsets");
                }
                default -> p.skipChildren(); // unknown keys are other writers' business
            }
        }
        if (t != JsonToken.END_OBJECT) throw new SafeTensorsException(file, what + " is malformed: found " + describe(t));
        if (dtypeName == null) throw new SafeTensorsException(file, what + " has no 'dtype'");
        if (shape == null) throw new SafeTensorsException(file, what + " has no 'shape'");
        if (offsets == null) throw new SafeTensorsException(file, what + " has no 'data_offsets'");

        Dtype dtype = Dtype.parse(dtypeName);
        if (dtype == null) throw new SafeTensorsException(file, what + ": " + Dtype.rejection(dtypeName));
        int[] intShape = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > Integer.MAX_VALUE)
                throw new SafeTensorsException(file, what + " shape " + Arrays.toString(shape) + " has dimension " + i
                        + " = " + shape[i] + ", more than 2^31-1");
            intShape[i] = (int) shape[i];
        }
        long count = countElements(intShape);
        if (count == -2)
            throw new SafeTensorsException(file, what + " shape " + Arrays.toString(shape)
                    + " has more than " + MAX_ELEMENTS + " elements, the most a Java array holds");
        if (offsets.length != 2)
            throw new SafeTensorsException(file, what + " data_offsets must be [begin, end], found "
                    + Arrays.toString(offsets));
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end)
            throw new SafeTensorsException(file, what + " data_offsets [" + begin + ", " + end + "]: begin is after end");
        if (end > dataSize)
            throw new SafeTensorsException(file, what + " data_offsets [" + begin + ", " + end
                    + "] run past the end of the " + dataSize + "-byte data section");
        long expected = count * dtype.byteSize;
        if (end - begin != expected)
            throw new SafeTensorsException(file, what + " is " + dtype + " " + Arrays.toString(intShape) + ", which needs "
                    + count + " x " + dtype.byteSize + " = " + expected + " bytes, but data_offsets [" + begin + ", "
                    + end + "] span " + (end - begin));
        return new Info(name, dtype, intShape, (int) count, begin, end);
    }

    /** A JSON array of non-negative integers that fit a long. */
    private static long[] parseLongs(Path file, JsonParser p, String what) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY)
            throw new SafeTensorsException(file, what + " must be an array of integers, found " + describe(p.currentToken()));
        long[] out = new long[4];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT)
                throw new SafeTensorsException(file, what + " must contain only integers, found " + describe(t)
                        + (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_STRING ? " " + p.getText() : ""));
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER)
                throw new SafeTensorsException(file, what + " contains " + p.getText() + ", which is out of range");
            long v = p.getLongValue();
            if (v < 0) throw new SafeTensorsException(file, what + " contains the negative value " + v);
            if (n == out.length) out = Arrays.copyOf(out, 2 * n);
            out[n++] = v;
        }
        return Arrays.copyOf(out, n);
    }

    /** Tensors must tile the data section: sorted by offset, each starts where the previous ended. */
    private static void checkCoverage(Path file, List<Info> infos, long dataSize) {
        List<Info> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(Info::begin).thenComparingLong(Info::end));
        long covered = 0;
        Info previous = null;
        for (Info info : sorted) {
            if (info.begin < covered)
                throw new SafeTensorsException(file, "tensors '" + previous.name + "' [" + previous.begin + ", "
                        + previous.end + ") and '" + info.name + "' [" + info.begin + ", " + info.end + ") overlap");
            if (info.begin > covered)
                throw new SafeTensorsException(file, "bytes [" + covered + ", " + info.begin
                        + ") of the data section belong to no tensor ("
                        + (previous == null ? "before" : "between '" + previous.name + "' and") + " '" + info.name + "')");
            covered = info.end;
            previous = info;
        }
        if (covered != dataSize)
            throw new SafeTensorsException(file, "bytes [" + covered + ", " + dataSize
                    + ") of the data section belong to no tensor ("
                    + (previous == null ? "the header lists no tensors" : "after '" + previous.name + "'") + ")");
    }

    /** Product of {@code shape} (1 for a scalar); -1 if a dimension is negative, -2 if above {@link #MAX_ELEMENTS}. */
    private static long countElements(int[] shape) {
        for (int d : shape) {
            if (d < 0) return -1;
            if (d == 0) return 0; // an empty tensor, whatever the other dimensions
        }
        long n = 1;
        for (int d : shape) {
            n *= d; // stays below 2^62: n <= MAX_ELEMENTS before and d < 2^31
            if (n > MAX_ELEMENTS) return -2;
        }
        return n;
    }

    private static String describe(JsonToken t) {
        if (t == null) return "end of header";
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a floating-point number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }

    private static String where(JsonParser p) {
        return "char " + p.currentLocation().getCharOffset();
    }
}
