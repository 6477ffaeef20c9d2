package dev.dendrite.data;

import java.util.Arrays;

/**
 * The contents of an unsigned-byte IDX file: its dimensions and its data in row-major order.
 *
 * <p>For MNIST-style files {@code dims} is {@code [count, rows, cols]} for images and
 * {@code [count]} for labels. Bytes are unsigned: read a pixel as {@code data[i] & 0xFF}.
 *
 * @param dims sizes, each {@code > 0}; the product equals {@code data.length}
 * @param data the elements, row-major; not copied (it can be tens of megabytes)
 */
public record IdxArray(int[] dims, byte[] data) {

    /** Checks that {@code dims} describes exactly {@code data.length} elements. */
    public IdxArray {
        if (dims == null || data == null) throw new IllegalArgumentException("idx: dims and data must not be null");
        if (dims.length == 0) throw new IllegalArgumentException("idx: an IDX array has rank >= 1, got dims []");
        dims = dims.clone();
        long n = 1;
        for (int d : dims) {
            if (d <= 0) throw new IllegalArgumentException("idx: dimensions must be > 0, got " + Arrays.toString(dims));
            n *= d;
            if (n > Integer.MAX_VALUE)
                throw new IllegalArgumentException("idx: dims " + Arrays.toString(dims) + " hold more than 2^31-1 elements");
        }
        if (n != data.length)
            throw new IllegalArgumentException("idx: dims " + Arrays.toString(dims) + " describe " + n
                    + " elements but data has " + data.length);
    }

    /** A copy of the dimensions (the record keeps its own so it stays consistent with {@code data}). */
    @Override
    public int[] dims() {
        return dims.clone();
    }

    /** Number of items along the first dimension, e.g. the number of images. */
    public int count() {
        return dims[0];
    }

    /** Elements per item: the product of all dimensions but the first (1 for a rank-1 array). */
    public int itemSize() {
        return data.length / dims[0];
    }

    /** Content equality: same dimensions and same bytes. */
    @Override
    public boolean equals(Object o) {
        return o instanceof IdxArray other && Arrays.equals(dims, other.dims) && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(dims) + Arrays.hashCode(data);
    }

    /** Dimensions only; the data can be megabytes. */
    @Override
    public String toString() {
        return "IdxArray" + Arrays.toString(dims);
    }
}
