package dev.dendrite.cpu.nn;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float batch-norm loops of {@link BatchNormKernels} over one contiguous run of a channel, on the
 * Vector API. Only called after {@code Gemm.isVectorized()} has confirmed that
 * {@code jdk.incubator.vector} is readable.
 *
 * <p>Note [Batch norm in double lanes]: the scalar loops compute in double (sums, and each output
 * before its single rounding to float); so do these, widening 8 floats at a time to a vector of 8
 * doubles. The elementwise outputs are therefore bit-identical to the scalar loops (same operations,
 * no fused multiply-add), and the sums differ only in their order: 2 vector accumulators of 8 lanes
 * instead of 4 scalar ones, combined in a fixed order, so results still do not depend on the thread
 * count.
 */
final class VectorBatchNorm {
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    /** Floats of the same lane count as {@link #DS}. */
    private static final VectorSpecies<Float> HS = VectorSpecies.of(float.class, VectorShape.forBitSize(DS.vectorBitSize() / 2));
    private static final int DL = DS.length();

    private VectorBatchNorm() {
    }

    private static DoubleVector widen(float[] a, int off) {
        return (DoubleVector) FloatVector.fromArray(HS, a, off).convertShape(VectorOperators.F2D, DS, 0);
    }

    private static void narrowInto(DoubleVector v, float[] a, int off) {
        ((FloatVector) v.convertShape(VectorOperators.D2F, HS, 0)).intoArray(a, off);
    }

    /** {@code Σ (a[i] − mu)²} over {@code [p, p + len)} in double. */
    static double squaredDeviations(float[] a, int p, int len, double mu) {
        DoubleVector m = DoubleVector.broadcast(DS, mu), s0 = DoubleVector.zero(DS), s1 = s0;
        int i = 0;
        for (; i + 2 * DL <= len; i += 2 * DL) {
            DoubleVector d0 = widen(a, p + i).sub(m), d1 = widen(a, p + i + DL).sub(m);
            s0 = s0.add(d0.mul(d0));
            s1 = s1.add(d1.mul(d1));
        }
        double s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) {
            double d = a[p + i] - mu;
            s += d * d;
        }
        return s;
    }

    /** {@code Σ dy[q + i]·(x[p + i] − mu)} for {@code i < len} in double. */
    static double centredProducts(float[] dy, int q, float[] x, int p, int len, double mu) {
        DoubleVector m = DoubleVector.broadcast(DS, mu), s0 = DoubleVector.zero(DS), s1 = s0;
        int i = 0;
        for (; i + 2 * DL <= len; i += 2 * DL) {
            s0 = s0.add(widen(dy, q + i).mul(widen(x, p + i).sub(m)));
            s1 = s1.add(widen(dy, q + i + DL).mul(widen(x, p + i + DL).sub(m)));
        }
        double s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) s += dy[q + i] * (x[p + i] - mu);
        return s;
    }

    /** {@code y[q + i] = (float) ((x[p + i] − mu)·sc + sh)} for {@code i < len}. */
    static void normalize(float[] x, int p, float[] y, int q, int len, double mu, double sc, double sh) {
        DoubleVector m = DoubleVector.broadcast(DS, mu), a = DoubleVector.broadcast(DS, sc), b = DoubleVector.broadcast(DS, sh);
        int i = 0;
        for (; i + DL <= len; i += DL) narrowInto(widen(x, p + i).sub(m).mul(a).add(b), y, q + i);
        for (; i < len; i++) y[q + i] = (float) ((x[p + i] - mu) * sc + sh);
    }

    /** {@code dx[o + i] = (float) (sc·dy[q + i] − bi − (x[p + i] − mu)·sl)} for {@code i < len}. */
    static void inputGradient(float[] dy, int q, float[] x, int p, float[] dx, int o, int len,
                              double mu, double sc, double bi, double sl) {
        DoubleVector m = DoubleVector.broadcast(DS, mu), a = DoubleVector.broadcast(DS, sc);
        DoubleVector b = DoubleVector.broadcast(DS, bi), k = DoubleVector.broadcast(DS, sl);
        int i = 0;
        for (; i + DL <= len; i += DL)
            narrowInto(a.mul(widen(dy, q + i)).sub(b).sub(widen(x, p + i).sub(m).mul(k)), dx, o + i);
        for (; i < len; i++) dx[o + i] = (float) (sc * dy[q + i] - bi - (x[p + i] - mu) * sl);
    }
}
