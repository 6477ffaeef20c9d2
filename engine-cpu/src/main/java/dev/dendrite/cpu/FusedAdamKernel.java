package dev.dendrite.cpu;

import dev.dendrite.DType;
import dev.dendrite.spi.FusedAdam;
import dev.dendrite.spi.View;

/**
 * The CPU backend's {@link FusedAdam}: one pass over θ, g, m and v per parameter, parallel over
 * chunks for large parameters. Float rounds to float exactly where the composite's elementwise ops
 * do (each op there computes in double and rounds once), so the result is the composite's bit for
 * bit. About 3 ns per element, a third of the composite's ten passes.
 *
 * <p>The loop is scalar on purpose. A Vector API version (double lanes, a float↔double conversion
 * at each rounding point) ran four times faster in isolation, but inside a training step the JIT
 * intermittently compiled its conversions to the Vector API's allocating fallback, which made whole
 * runs a third slower and allocated gigabytes; JDK 17's conversions are not dependable enough for a
 * hot path.
 */
final class FusedAdamKernel {
    /** Elements per parallel chunk: about 10 µs of work, enough to pay for the hand-off (Note [Parallel hand-off]). */
    private static final int GRAIN = 1 << 12;

    private FusedAdamKernel() {
    }

    static void update(View param, View grad, View m, View v, FusedAdam.AdamStep s) {
        int n = param.numel();
        int po = param.offset(), go = grad.offset(), mo = m.offset(), vo = v.offset();
        if (param.dtype() == DType.FLOAT32) {
            float[] p = (float[]) CpuBackend.array(param), g = (float[]) CpuBackend.array(grad);
            float[] ma = (float[]) CpuBackend.array(m), va = (float[]) CpuBackend.array(v);
            Parallel.forRange(n, GRAIN, (from, to) -> update(p, po, g, go, ma, mo, va, vo, from, to, s));
        } else {
            double[] p = (double[]) CpuBackend.array(param), g = (double[]) CpuBackend.array(grad);
            double[] ma = (double[]) CpuBackend.array(m), va = (double[]) CpuBackend.array(v);
            Parallel.forRange(n, GRAIN, (from, to) -> update(p, po, g, go, ma, mo, va, vo, from, to, s));
        }
    }

    /** Elements {@code [from, to)} in float, rounding as {@link FusedAdam} specifies; also the vector loop's tail. */
    static void update(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int from, int to,
                       FusedAdam.AdamStep s) {
        // The record's fields in locals: read once, not once per element.
        double decay = s.decay(), l2 = s.l2(), b1 = s.beta1(), b2 = s.beta2(), a1 = 1 - b1, a2 = 1 - b2;
        double sqrtBc2 = s.sqrtBc2(), eps = s.eps(), step = s.step();
        for (int i = from; i < to; i++) {
            float th = p[po + i];
            if (decay != 1) th = (float) (th * decay);
            float d = g[go + i];
            if (l2 != 0) d = (float) (th * l2) + d;
            float mm = (float) (m[mo + i] * b1);
            mm += a1 == 1 ? d : (float) (d * a1);
            float dd = d * d;
            float vv = (float) (v[vo + i] * b2);
            vv += a2 == 1 ? dd : (float) (dd * a2);
            float den = (float) ((float) Math.sqrt(vv) / sqrtBc2);
            den = (float) (den + eps);
            float q = mm / den;
            p[po + i] = th + (step == 1 ? q : (float) (q * step));
            m[mo + i] = mm;
            v[vo + i] = vv;
        }
    }

    /** Elements {@code [from, to)} in double: the same sequence with no rounding beyond double's own. */
    static void update(double[] p, int po, double[] g, int go, double[] m, int mo, double[] v, int vo, int from, int to,
                       FusedAdam.AdamStep s) {
        double decay = s.decay(), l2 = s.l2(), b1 = s.beta1(), b2 = s.beta2(), a1 = 1 - b1, a2 = 1 - b2;
        double sqrtBc2 = s.sqrtBc2(), eps = s.eps(), step = s.step();
        for (int i = from; i < to; i++) {
            double th = p[po + i];
            if (decay != 1) th = th * decay;
            double d = g[go + i];
            if (l2 != 0) d = th * l2 + d;
            double mm = m[mo + i] * b1;
            mm += a1 == 1 ? d : d * a1;
            double dd = d * d;
            double vv = v[vo + i] * b2;
            vv += a2 == 1 ? dd : dd * a2;
            double den = Math.sqrt(vv) / sqrtBc2 + eps;
            double q = mm / den;
            p[po + i] = th + (step == 1 ? q : q * step);
            m[mo + i] = mm;
            v[vo + i] = vv;
        }
    }
}
