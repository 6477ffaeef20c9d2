package dev.dendrite.cpu;

import dev.dendrite.DType;
import dev.dendrite.spi.FusedAdam;
import dev.dendrite.spi.View;

/**
 * The CPU backend's {@link FusedAdam}: one pass over θ, g, m and v per parameter, parallel over
 * chunks for large parameters. Float rounds to float exactly where the composite's elementwise ops
 * do (each op there computes in double and rounds once), so the result is the composite's bit for
 * bit; {@code VectorAdam} does the same in double lanes when the Vector API is readable.
 */
final class FusedAdamKernel {
    /** Elements per parallel chunk (a few microseconds of work). */
    private static final int GRAIN = 1 << 14;

    private FusedAdamKernel() {
    }

    static void update(View param, View grad, View m, View v, FusedAdam.AdamStep s) {
        int n = param.numel();
        int po = param.offset(), go = grad.offset(), mo = m.offset(), vo = v.offset();
        if (param.dtype() == DType.FLOAT32) {
            float[] p = (float[]) CpuBackend.array(param), g = (float[]) CpuBackend.array(grad);
            float[] ma = (float[]) CpuBackend.array(m), va = (float[]) CpuBackend.array(v);
            boolean vector = FloatLoops.isVectorized();
            Parallel.forRange(n, GRAIN, (from, to) -> {
                if (vector) VectorAdam.update(p, po, g, go, ma, mo, va, vo, from, to, s);
                else update(p, po, g, go, ma, mo, va, vo, from, to, s);
            });
        } else {
            double[] p = (double[]) CpuBackend.array(param), g = (double[]) CpuBackend.array(grad);
            double[] ma = (double[]) CpuBackend.array(m), va = (double[]) CpuBackend.array(v);
            Parallel.forRange(n, GRAIN, (from, to) -> update(p, po, g, go, ma, mo, va, vo, from, to, s));
        }
    }

    /** Elements {@code [from, to)} in float, rounding as {@link FusedAdam} specifies; also the vector loop's tail. */
    static void update(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int from, int to,
                       FusedAdam.AdamStep s) {
        double a1 = 1 - s.beta1(), a2 = 1 - s.beta2();
        for (int i = from; i < to; i++) {
            float th = p[po + i];
            if (s.decay() != 1) th = (float) (th * s.decay());
            float d = g[go + i];
            if (s.l2() != 0) d = (float) (th * s.l2()) + d;
            float mm = (float) (m[mo + i] * s.beta1());
            mm += a1 == 1 ? d : (float) (d * a1);
            float dd = d * d;
            float vv = (float) (v[vo + i] * s.beta2());
            vv += a2 == 1 ? dd : (float) (dd * a2);
            float den = (float) ((float) Math.sqrt(vv) / s.sqrtBc2());
            den = (float) (den + s.eps());
            float q = mm / den;
            p[po + i] = th + (s.step() == 1 ? q : (float) (q * s.step()));
            m[mo + i] = mm;
            v[vo + i] = vv;
        }
    }

    /** Elements {@code [from, to)} in double: the same sequence with no rounding beyond double's own. */
    static void update(double[] p, int po, double[] g, int go, double[] m, int mo, double[] v, int vo, int from, int to,
                       FusedAdam.AdamStep s) {
        double a1 = 1 - s.beta1(), a2 = 1 - s.beta2();
        for (int i = from; i < to; i++) {
            double th = p[po + i];
            if (s.decay() != 1) th = th * s.decay();
            double d = g[go + i];
            if (s.l2() != 0) d = th * s.l2() + d;
            double mm = m[mo + i] * s.beta1();
            mm += a1 == 1 ? d : d * a1;
            double dd = d * d;
            double vv = v[vo + i] * s.beta2();
            vv += a2 == 1 ? dd : dd * a2;
            double den = Math.sqrt(vv) / s.sqrtBc2() + s.eps();
            double q = mm / den;
            p[po + i] = th + (s.step() == 1 ? q : q * s.step());
            m[mo + i] = mm;
            v[vo + i] = vv;
        }
    }
}
