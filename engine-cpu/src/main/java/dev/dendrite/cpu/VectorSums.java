package dev.dendrite.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums of contiguous float runs in double, on the Vector API: {@link FloatSums}' fast path, only
 * called after {@code Gemm.isVectorized()} has confirmed that {@code jdk.incubator.vector} is
 * readable (Note [Loading the vector kernel] in {@code Gemm}).
 *
 * <p>Note [Sums in double lanes]: the scalar loops add each float to a double accumulator, a chain
 * of dependent adds (4 cycles each). Here 8 floats at a time are widened to doubles and added into
 * two vector accumulators, combined in a fixed order at the end: still double precision, still the
 * same result for any thread count, only the order of the additions differs from the scalar loop.
 */
final class VectorSums {
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    /** Floats of the same lane count as {@link #DS}. */
    private static final VectorSpecies<Float> HS = VectorSpecies.of(float.class, VectorShape.forBitSize(DS.vectorBitSize() / 2));
    private static final int DL = DS.length();

    private VectorSums() {
    }

    /** The {@link #lanes()} floats from {@code a[off]} widened to double. */
    private static DoubleVector widen(float[] a, int off) {
        return (DoubleVector) FloatVector.fromArray(HS, a, off).convertShape(VectorOperators.F2D, DS, 0);
    }

    /** {@code Σ a[p, p + len)} in double. */
    static double sum(float[] a, int p, int len) {
        DoubleVector s0 = DoubleVector.zero(DS), s1 = s0;
        int i = 0;
        for (; i + 2 * DL <= len; i += 2 * DL) {
            s0 = s0.add(widen(a, p + i));
            s1 = s1.add(widen(a, p + i + DL));
        }
        double s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) s += a[p + i];
        return s;
    }
}
