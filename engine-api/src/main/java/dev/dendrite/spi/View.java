package dev.dendrite.spi;

import dev.dendrite.DType;
import dev.dendrite.Shape;

import java.util.Arrays;

/**
 * What a backend sees of a tensor: storage plus a strided window on it. Strides are in elements and
 * may be 0 (broadcast) but never negative. The arrays are never modified by anyone.
 *
 * @param storage the backing memory
 * @param shape dimension sizes
 * @param strides element step per dimension
 * @param offset element index of the first element in the storage
 */
public record View(Storage storage, int[] shape, int[] strides, int offset) {
    public DType dtype() {
        return storage.dtype();
    }

    public int rank() {
        return shape.length;
    }

    public int numel() {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** True when the elements are laid out densely in row-major order starting at {@code offset}. */
    public boolean isContiguous() {
        // An empty view is trivially dense whatever its strides (those of a zero-size dimension are arbitrary).
        if (numel() == 0) return true;
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != s) return false;
            s *= shape[i];
        }
        return true;
    }

    public Shape shapeObject() {
        return Shape.of(shape);
    }

    @Override
    public String toString() {
        return "View" + Arrays.toString(shape) + " strides=" + Arrays.toString(strides) + " offset=" + offset + " " + dtype();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof View v && v.storage == storage && v.offset == offset
                && Arrays.equals(v.shape, shape) && Arrays.equals(v.strides, strides);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(shape) + Arrays.hashCode(strides)) + offset;
    }
}
