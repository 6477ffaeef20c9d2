package dev.dendrite.cpu;

import dev.dendrite.DType;
import dev.dendrite.spi.Storage;

/** Heap storage: one Java array of the dtype's element type ({@code float[]}, {@code double[]}, {@code int[]}, {@code long[]}). */
final class CpuStorage implements Storage {
    final DType dtype;
    final Object array;
    final int length;

    /** Wraps an array of the dtype's element type and exactly {@code length} elements (a reused one, Note [Storage reuse]). */
    CpuStorage(DType dtype, Object array, int length) {
        this.dtype = dtype;
        this.length = length;
        this.array = array;
    }

    CpuStorage(DType dtype, int length) {
        this.dtype = dtype;
        this.length = length;
        this.array = switch (dtype) {
            case FLOAT32 -> new float[length];
            case FLOAT64 -> new double[length];
            case INT32 -> new int[length];
            case INT64 -> new long[length];
        };
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public int length() {
        return length;
    }
}
