package dev.dendrite.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Reads and writes the IDX format of MNIST and Fashion-MNIST, plain or gzipped.
 *
 * <p>Layout: a 4-byte magic number {@code 0x00 0x00 <type> <rank>}, then {@code rank} big-endian
 * 32-bit dimension sizes, then the elements in row-major order. Only the unsigned-byte type
 * ({@code 0x08}) is supported: it is the only one MNIST-style data sets use.
 *
 * <p>Gzip is recognised by its magic bytes {@code 0x1f 0x8b}, never by the file name, so a file that
 * was gunzipped but kept its {@code .gz} name (or the reverse) still reads.
 *
 * <p>Every malformed input is an {@link IllegalArgumentException} naming the source and what is
 * wrong; {@link IOException} is left for failures of the underlying stream or file system.
 * See Note [Never trust the header's size].
 */
public final class Idx {

    /** IDX type code of unsigned bytes, the only element type this reader accepts. */
    public static final int TYPE_UNSIGNED_BYTE = 0x08;

    /** Largest data section accepted: the largest byte array a JVM reliably allocates. */
    static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 8;

    // Note [Never trust the header's size]
    // A corrupt or hostile header can promise 2^31 bytes in a 100-byte file. We therefore (1) reject
    // sizes above MAX_DATA_BYTES before allocating anything, (2) for a plain file compare the promise
    // with the file size before allocating, and (3) when the size of the decoded data is unknown
    // (gzip, or a bare InputStream) start with a small buffer and grow it geometrically as bytes
    // actually arrive. Memory then stays within twice what the input really contains.
    private static final int INITIAL_CAPACITY = 1 << 20;
    private static final int IO_BUFFER = 1 << 16;
    /** Trailing bytes are counted up to this many, so garbage after the data cannot keep us busy. */
    private static final long TRAILING_COUNT_LIMIT = 1L << 24;

    private Idx() {
    }

    /**
     * Reads an unsigned-byte IDX file, gzipped or not.
     *
     * @param file the file; its path is used in error messages
     * @return dims (e.g. {@code [60000, 28, 28]}) and data
     * @throws IllegalArgumentException if the content is not a well-formed unsigned-byte IDX file
     * @throws IOException if the file cannot be read
     */
    public static IdxArray read(Path file) throws IOException {
        long size = Files.size(file);
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), size);
        }
    }

    /**
     * Reads an unsigned-byte IDX stream, gzipped or not. The stream is read to its end (trailing
     * bytes are an error) but not closed.
     *
     * @param in the stream
     * @param sourceName names the source in error messages, e.g. a file or resource name
     * @return dims and data
     * @throws IllegalArgumentException if the content is not a well-formed unsigned-byte IDX file
     * @throws IOException if the stream fails
     */
    public static IdxArray read(InputStream in, String sourceName) throws IOException {
        return read(in, sourceName, -1);
    }

    /** {@code rawSize} is the byte length of {@code raw} when known, else -1. */
    private static IdxArray read(InputStream raw, String name, long rawSize) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, IO_BUFFER);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        if (b0 < 0) throw new IllegalArgumentException("idx: " + name + " is empty");
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        InputStream in;
        long plainSize;
        if (gzip) {
            try {
                in = new GZIPInputStream(buffered, IO_BUFFER);
            } catch (EOFException | ZipException e) {
                throw new IllegalArgumentException("idx: " + name + " starts like gzip but its gzip header is corrupt or cut off ("
                        + e.getMessage() + ")", e);
            }
            plainSize = -1; // the decompressed size is not known until the end
        } else {
            in = buffered;
            plainSize = rawSize;
        }
        Decoder d = new Decoder(in, name, gzip);
        return d.decode(plainSize);
    }

    /** One decoding pass; tracks progress so gzip failures can report how far we got. */
    private static final class Decoder {
        private final InputStream in;
        private final String name;
        private final boolean gzip;
        /** Set when a gzip stream ended before its end marker and CRC. */
        private boolean gzipCutOff;

        Decoder(InputStream in, String name, boolean gzip) {
            this.in = in;
            this.name = name;
            this.gzip = gzip;
        }

        IdxArray decode(long plainSize) throws IOException {
            byte[] magic = new byte[4];
            int got = readUpTo(magic, 0, 4);
            if (got < 4)
                throw new IllegalArgumentException("idx: " + name + " is truncated: " + got
                        + " bytes, too short for the 4-byte IDX magic number");
            if (magic[0] != 0 || magic[1] != 0)
                throw new IllegalArgumentException("idx: " + name + " is not an IDX file: it starts with "
                        + hex(magic) + ", expected 0x00 0x00 <type> <rank>"
                        + (gzip ? " after gunzipping" : " (nor is it gzip: no 0x1f 0x8b)"));
            int type = magic[2] & 0xFF;
            int rank = magic[3] & 0xFF;
            if (type != TYPE_UNSIGNED_BYTE)
                throw new IllegalArgumentException("idx: " + name + " has element type 0x" + hex2(type) + " ("
                        + typeName(type) + "); only 0x08 (unsigned byte) is supported");
            if (rank < 1 || rank > 4)
                throw new IllegalArgumentException("idx: " + name + " has rank " + rank
                        + " in its magic number; supported ranks are 1 to 4");

            int headerBytes = 4 + 4 * rank;
            byte[] dimBytes = new byte[4 * rank];
            got = readUpTo(dimBytes, 0, dimBytes.length);
            if (got < dimBytes.length)
                throw new IllegalArgumentException("idx: " + name + " is truncated: the header ends after " + (4 + got)
                        + " bytes, a rank-" + rank + " header has " + headerBytes);
            long[] dims = new long[rank];
            for (int i = 0; i < rank; i++) {
                int off = 4 * i;
                // Sizes are signed big-endian ints in the format; a value >= 2^31 shows up negative.
                dims[i] = ((dimBytes[off] & 0xFF) << 24) | ((dimBytes[off + 1] & 0xFF) << 16)
                        | ((dimBytes[off + 2] & 0xFF) << 8) | (dimBytes[off + 3] & 0xFF);
            }
            long total = 1;
            for (int i = 0; i < rank; i++) {
                if (dims[i] <= 0)
                    throw new IllegalArgumentException("idx: " + name + " has dimension " + i + " = " + dims[i]
                            + " in header dims " + Arrays.toString(dims) + "; every dimension must be > 0");
                // Each factor is < 2^31 and we stop once past the cap, so this never overflows a long.
                total *= dims[i];
                if (total > MAX_DATA_BYTES)
                    throw new IllegalArgumentException("idx: " + name + " header dims " + Arrays.toString(dims)
                            + " describe " + product(dims) + " bytes of data, more than the " + MAX_DATA_BYTES
                            + "-byte limit of a Java array");
            }
            if (plainSize >= 0) {
                long available = plainSize - headerBytes;
                if (available < total)
                    throw new IllegalArgumentException(truncated(total, available));
                if (available > total)
                    throw new IllegalArgumentException(trailing(total, String.valueOf(available - total)));
            }

            int[] intDims = new int[rank];
            for (int i = 0; i < rank; i++) intDims[i] = (int) dims[i];
            byte[] data = readData((int) total, plainSize >= 0);
            checkAtEnd(total);
            return new IdxArray(intDims, data);
        }

        /** Reads exactly {@code total} bytes, growing the buffer only as data arrives unless the size is verified. */
        private byte[] readData(int total, boolean sizeVerified) throws IOException {
            byte[] buf = new byte[sizeVerified ? total : Math.min(total, INITIAL_CAPACITY)];
            int filled = 0;
            while (filled < total) {
                if (filled == buf.length) buf = Arrays.copyOf(buf, (int) Math.min(total, 2L * buf.length));
                int n = readUpTo(buf, filled, buf.length - filled);
                if (n == 0) throw new IllegalArgumentException(truncated(total, filled));
                filled += n;
            }
            return buf;
        }

        /** Everything promised has been read; anything more is garbage (and gzip's CRC is checked at its end). */
        private void checkAtEnd(long total) throws IOException {
            byte[] scratch = new byte[8192];
            long extra = 0;
            while (extra < TRAILING_COUNT_LIMIT) {
                int n = readUpTo(scratch, 0, scratch.length);
                if (n == 0) break;
                extra += n;
            }
            if (extra > 0)
                throw new IllegalArgumentException(trailing(total,
                        extra >= TRAILING_COUNT_LIMIT ? "at least " + extra : String.valueOf(extra)));
            if (gzipCutOff)
                throw new IllegalArgumentException("idx: " + name + " is truncated: all " + total
                        + " bytes of data are there but the gzip stream is cut off before its end marker and CRC");
        }

        /**
         * Reads until {@code len} bytes or the end of input; returns the count (0 at once at the end).
         * A gzip stream that stops early or fails its checks surfaces here as an IllegalArgumentException.
         */
        private int readUpTo(byte[] b, int off, int len) throws IOException {
            int done = 0;
            while (done < len) {
                int n;
                try {
                    n = in.read(b, off + done, len - done);
                } catch (EOFException e) {
                    // GZIPInputStream: the compressed stream ends before its end-of-stream marker.
                    gzipCutOff = true;
                    return done;
                } catch (ZipException e) {
                    throw new IllegalArgumentException("idx: " + name + " has corrupt gzip data: " + e.getMessage(), e);
                }
                if (n < 0) break;
                done += n;
            }
            return done;
        }

        private String truncated(long promised, long found) {
            return "idx: " + name + " is truncated: header promises " + promised + " bytes of data, found " + found
                    + (gzip ? " (after gunzipping)" : "");
        }

        private String trailing(long promised, String extra) {
            return "idx: " + name + " has " + extra + " trailing bytes after the " + promised
                    + " bytes of data its header promises";
        }
    }

    /**
     * Writes an unsigned-byte IDX file, replacing any existing one.
     *
     * @param file destination
     * @param dims sizes, rank 1 to 4, each {@code > 0}, e.g. {@code [count, rows, cols]}
     * @param data {@code product(dims)} bytes, row-major
     * @param gzip whether to gzip the file (best compression)
     * @throws IllegalArgumentException if dims and data disagree or the rank is outside 1..4
     * @throws IOException if writing fails
     */
    public static void write(Path file, int[] dims, byte[] data, boolean gzip) throws IOException {
        IdxArray checked = new IdxArray(dims, data); // validates dims against data
        if (dims.length > 4)
            throw new IllegalArgumentException("idx: cannot write " + file + ": rank " + dims.length
                    + " " + Arrays.toString(dims) + " is outside the supported 1 to 4");
        try (OutputStream raw = Files.newOutputStream(file);
             OutputStream out = gzip ? new BestGzipOutputStream(raw) : new BufferedOutputStream(raw, IO_BUFFER)) {
            byte[] header = new byte[4 + 4 * dims.length];
            header[2] = (byte) TYPE_UNSIGNED_BYTE;
            header[3] = (byte) dims.length;
            for (int i = 0; i < dims.length; i++) {
                int d = dims[i];
                int off = 4 + 4 * i;
                header[off] = (byte) (d >>> 24);
                header[off + 1] = (byte) (d >>> 16);
                header[off + 2] = (byte) (d >>> 8);
                header[off + 3] = (byte) d;
            }
            out.write(header);
            out.write(checked.data());
        }
    }

    /** Same as {@link #write(Path, int[], byte[], boolean)} for an {@link IdxArray}. */
    public static void write(Path file, IdxArray array, boolean gzip) throws IOException {
        write(file, array.dims(), array.data(), gzip);
    }

    /** Gzip at the best level: the embedded data set is written once and read many times. */
    private static final class BestGzipOutputStream extends GZIPOutputStream {
        BestGzipOutputStream(OutputStream out) throws IOException {
            super(out, IO_BUFFER);
            def.setLevel(Deflater.BEST_COMPRESSION);
        }
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x08 -> "unsigned byte";
            case 0x09 -> "signed byte";
            case 0x0B -> "16-bit integer";
            case 0x0C -> "32-bit integer";
            case 0x0D -> "32-bit float";
            case 0x0E -> "64-bit float";
            default -> "not an IDX type code";
        };
    }

    private static String product(long[] dims) {
        java.math.BigInteger p = java.math.BigInteger.ONE;
        for (long d : dims) p = p.multiply(java.math.BigInteger.valueOf(d));
        return p.toString();
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            if (sb.length() > 0) sb.append(' ');
            sb.append("0x").append(hex2(b & 0xFF));
        }
        return sb.toString();
    }

    private static String hex2(int v) {
        return String.format("%02X", v);
    }
}
