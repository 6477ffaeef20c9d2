package dev.dendrite.cpu;

import dev.dendrite.DType;

/**
 * Large working arrays of the CPU kernels that are not tensors (an RNN's reserve space, a packed GEMM
 * operand), drawn from and returned to the pool that tensor storage uses (Note [Storage reuse] in
 * {@code CpuStoragePool}), so that a training step's working memory is reused from one step to the
 * next instead of becoming garbage. Like tensor storage, a drawn array holds old contents (NaN under
 * {@code -Ddendrite.cpu.reuseStorage=poison}); the caller writes every element it reads, or asks for
 * a zeroed one. An array must be given back at most once and not used after.
 */
public final class ScratchArrays {
    private ScratchArrays() {
    }

    /** A float array of exactly {@code n} elements, with unspecified contents. */
    public static float[] floats(int n) {
        Object a = CpuBackend.POOL.take(DType.FLOAT32, n);
        return a != null ? (float[]) a : new float[n];
    }

    /** A double array of exactly {@code n} elements, with unspecified contents. */
    public static double[] doubles(int n) {
        Object a = CpuBackend.POOL.take(DType.FLOAT64, n);
        return a != null ? (double[]) a : new double[n];
    }

    /** Gives a float[] or double[] from {@link #floats} / {@link #doubles} (or any other) back for reuse; null is ignored. */
    public static void release(Object array) {
        if (array instanceof float[] f) CpuBackend.POOL.give(DType.FLOAT32, f, f.length);
        else if (array instanceof double[] d) CpuBackend.POOL.give(DType.FLOAT64, d, d.length);
        else if (array != null) throw new IllegalArgumentException("scratch: only float[] and double[] are pooled, got "
                + array.getClass().getSimpleName());
    }
}
