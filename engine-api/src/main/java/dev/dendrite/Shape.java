package dev.dendrite;

import java.util.Arrays;

/**
 * An immutable list of dimension sizes. Rank 0 is a scalar (one element); a size of 0 is allowed
 * and gives an empty tensor. Element counts are limited to {@link Integer#MAX_VALUE} because CPU
 * storage is a Java array.
 */
public final class Shape {
    private static final Shape SCALAR = new Shape(new int[0]);

    private final int[] dims;
    private final int numel;

    private Shape(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) throw new IllegalArgumentException("shape: negative dimension in " + Arrays.toString(dims));
            n *= d;
            if (n > Integer.MAX_VALUE)
                throw new IllegalArgumentException("shape: " + Arrays.toString(dims) + " has more than 2^31-1 elements");
        }
        this.dims = dims;
        this.numel = (int) n;
    }

    /** A shape with the given sizes; {@code Shape.of()} is the scalar shape. */
    public static Shape of(int... dims) {
        return dims.length == 0 ? SCALAR : new Shape(dims.clone());
    }

    public static Shape scalar() {
        return SCALAR;
    }

    public int rank() {
        return dims.length;
    }

    /** Size of dimension {@code axis}; negative axes count from the end. */
    public int dim(int axis) {
        return dims[normalizeAxis(axis)];
    }

    /** Total number of elements (1 for a scalar, 0 if any dimension is 0). */
    public int numel() {
        return numel;
    }

    /** A copy of the sizes. */
    public int[] toArray() {
        return dims.clone();
    }

    /** Resolves a possibly negative axis to {@code [0, rank)}; throws naming the shape otherwise. */
    public int normalizeAxis(int axis) {
        int r = dims.length;
        if (axis < -r || axis >= r)
            throw new IllegalArgumentException("axis " + axis + " is out of range for shape " + this + " (rank " + r + ")");
        return axis < 0 ? axis + r : axis;
    }

    /** Row-major (C-order) strides in elements. */
    public int[] contiguousStrides() {
        int[] strides = new int[dims.length];
        int s = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(dims[i], 1);
        }
        return strides;
    }

    /** This shape with dimension {@code axis} replaced by {@code size}. */
    public Shape withDim(int axis, int size) {
        int[] d = dims.clone();
        d[normalizeAxis(axis)] = size;
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** {@code [2, 3, 4]}; the scalar shape prints as {@code []}. */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
