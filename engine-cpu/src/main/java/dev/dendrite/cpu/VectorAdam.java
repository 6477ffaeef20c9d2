package dev.dendrite.cpu;

import dev.dendrite.spi.FusedAdam;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float Adam update of {@link FusedAdamKernel} on the Vector API, bit for bit the scalar loop.
 * Ops of two float values (+, ·, ÷, √) run in float lanes, where they equal the double-then-round
 * reference (Note [Exact float fast path] in {@link FloatLoops}); every product with a double
 * scalar is widened to double lanes, computed, and rounded back ({@link #times}). Only called when
 * {@code jdk.incubator.vector} is readable.
 *
 * <p>The update runs as four short loops over chunks of {@link #CHUNK} elements rather than one:
 * the JIT stops inlining once a compiled method grows past a node budget, and the single loop with
 * all of Adam's vector operations crossed it, so its conversions fell back to the Vector API's slow
 * Java implementation (ten times slower than scalar code). Each short loop compiles whole, and a
 * chunk stays in L1 between them.
 */
final class VectorAdam {
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    /** The float species with as many lanes as {@link #DS}. */
    private static final VectorSpecies<Float> HS = VectorSpecies.of(float.class, VectorShape.forBitSize(DS.vectorBitSize() / 2));
    private static final int DL = DS.length();
    private static final int CHUNK = 512;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[CHUNK]);

    private VectorAdam() {
    }

    /** {@code (float) (x · s)} per lane, the product taken in double. */
    private static FloatVector times(FloatVector x, double s) {
        DoubleVector d = (DoubleVector) x.convertShape(VectorOperators.F2D, DS, 0);
        return (FloatVector) d.mul(s).convertShape(VectorOperators.D2F, HS, 0);
    }

    /** {@code (float) (x / s)} per lane, the quotient taken in double. */
    private static FloatVector over(FloatVector x, double s) {
        DoubleVector d = (DoubleVector) x.convertShape(VectorOperators.F2D, DS, 0);
        return (FloatVector) d.div(s).convertShape(VectorOperators.D2F, HS, 0);
    }

    /** {@code (float) (x + s)} per lane, the sum taken in double. */
    private static FloatVector plus(FloatVector x, double s) {
        DoubleVector d = (DoubleVector) x.convertShape(VectorOperators.F2D, DS, 0);
        return (FloatVector) d.add(s).convertShape(VectorOperators.D2F, HS, 0);
    }

    static void update(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int from, int to,
                       FusedAdam.AdamStep s) {
        double decay = s.decay(), l2 = s.l2(), b1 = s.beta1(), b2 = s.beta2(), a1 = 1 - b1, a2 = 1 - b2;
        double sqrtBc2 = s.sqrtBc2(), eps = s.eps(), step = s.step();
        float[] d = SCRATCH.get();
        for (int c0 = from; c0 < to; c0 += CHUNK) {
            int n = Math.min(CHUNK, to - c0), vn = DS.loopBound(n);
            // d: the gradient, or with L2 (from θ after AdamW's decay) in the scratch buffer.
            float[] da = g;
            int dOff = go + c0;
            if (decay != 1 || l2 != 0) {
                prepare(p, po + c0, g, go + c0, d, vn, decay, l2);
                da = d;
                dOff = 0;
            }
            moments(da, dOff, m, mo + c0, v, vo + c0, vn, b1, a1, b2, a2);
            apply(p, po + c0, m, mo + c0, v, vo + c0, vn, sqrtBc2, eps, step);
            if (vn < n) {
                // The tail: undo nothing (the loops above stopped at vn), finish with the scalar loop.
                FusedAdamKernel.update(p, po, g, go, m, mo, v, vo, c0 + vn, c0 + n, s);
            }
        }
    }

    /** θ ← ⌊θ·decay⌉ (when decay != 1) in place, and d = ⌊⌊θ·l2⌉ + g⌉ (or g) into {@code d[0, n)}. */
    private static void prepare(float[] p, int po, float[] g, int go, float[] d, int n, double decay, double l2) {
        for (int i = 0; i < n; i += DL) {
            FloatVector th = FloatVector.fromArray(HS, p, po + i), gv = FloatVector.fromArray(HS, g, go + i);
            if (decay != 1) {
                th = times(th, decay);
                th.intoArray(p, po + i);
            }
            (l2 != 0 ? times(th, l2).add(gv) : gv).intoArray(d, i);
        }
    }

    /** m ← ⌊⌊m·β1⌉ + ⌊d·(1−β1)⌉⌉ and v ← ⌊⌊v·β2⌉ + ⌊⌊d·d⌉·(1−β2)⌉⌉ (the products skipped when 1 − β == 1). */
    private static void moments(float[] d, int dOff, float[] m, int mo, float[] v, int vo, int n, double b1, double a1, double b2, double a2) {
        for (int i = 0; i < n; i += DL) {
            FloatVector dv = FloatVector.fromArray(HS, d, dOff + i);
            FloatVector mm = times(FloatVector.fromArray(HS, m, mo + i), b1).add(a1 == 1 ? dv : times(dv, a1));
            mm.intoArray(m, mo + i);
            FloatVector dd = dv.mul(dv);
            FloatVector vv = times(FloatVector.fromArray(HS, v, vo + i), b2).add(a2 == 1 ? dd : times(dd, a2));
            vv.intoArray(v, vo + i);
        }
    }

    /** θ ← ⌊θ + ⌊q·step⌉⌉ with q = ⌊m / ⌊⌊⌊√v⌉ / √bc2⌉ + ε⌉⌉ (the product skipped when step == 1). */
    private static void apply(float[] p, int po, float[] m, int mo, float[] v, int vo, int n, double sqrtBc2, double eps, double step) {
        for (int i = 0; i < n; i += DL) {
            FloatVector den = plus(over(FloatVector.fromArray(HS, v, vo + i).sqrt(), sqrtBc2), eps);
            FloatVector q = FloatVector.fromArray(HS, m, mo + i).div(den);
            FloatVector.fromArray(HS, p, po + i).add(step == 1 ? q : times(q, step)).intoArray(p, po + i);
        }
    }
}
