package dev.dendrite.cpu;

import dev.dendrite.cpu.gemm.Gemm;

/**
 * {@code Σ a[from, from + length)} of a float run in double: the inner loop of float reductions, batch
 * norm's statistics and convolution bias gradients. With the Vector API it is {@link VectorSums}
 * (Note [Sums in double lanes]); otherwise a scalar loop with eight independent accumulators (with one,
 * the chain of dependent adds bounded it; LeNet-5's first bias gradient sums 50,176 floats per channel
 * every step). Both combine their partial sums in a fixed order, so a result never depends on the
 * thread count.
 */
public final class FloatSums {
    /** See Note [Loading the vector kernel] in {@code Gemm}: VectorSums is only named behind this flag. */
    private static final boolean VECTOR = Gemm.isVectorized();

    private FloatSums() {
    }

    public static double sum(float[] a, int from, int length) {
        return VECTOR ? VectorSums.sum(a, from, length) : scalarSum(a, from, length);
    }

    /**
     * The scalar loop whatever the JVM offers. Convolution bias gradients use it: routed through the
     * vector sum as well, LeNet-5's bias gradients made a batch norm run later in the same JVM about
     * twice as slow ([64,64,32,32]: 8-13 ms in 4 of 5 JVMs, against 4-7 ms), as the JIT compiled the
     * shared vector loop for the first caller's profile.
     */
    public static double scalarSum(float[] a, int from, int length) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = from, end = from + length;
        for (; i + 7 < end; i += 8) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
            s4 += a[i + 4];
            s5 += a[i + 5];
            s6 += a[i + 6];
            s7 += a[i + 7];
        }
        for (; i < end; i++) s0 += a[i];
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }
}
