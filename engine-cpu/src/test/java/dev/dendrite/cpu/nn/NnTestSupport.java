package dev.dendrite.cpu.nn;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import java.util.function.DoubleSupplier;

/** Shared helpers for the nn kernel tests: seeded random data, central differences, error reports. */
final class NnTestSupport {
    private NnTestSupport() {
    }

    static double[] randn(Random rnd, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextGaussian();
        return a;
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /**
     * Central-difference gradient of {@code loss} with respect to every element of {@code param}
     * (perturbed in place and restored): {@code (L(p + h) − L(p − h)) / 2h}.
     */
    static double[] numericGradient(double[] param, double h, DoubleSupplier loss) {
        double[] g = new double[param.length];
        for (int i = 0; i < param.length; i++) {
            double keep = param[i];
            param[i] = keep + h;
            double up = loss.getAsDouble();
            param[i] = keep - h;
            double down = loss.getAsDouble();
            param[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    /**
     * Fails unless {@code max |analytic − numeric| ≤ tol · max(max |numeric|, 1e-3)}, i.e. the error
     * relative to the gradient's scale (element-wise relative error is meaningless for entries near 0).
     */
    static void assertGradient(String what, double[] analytic, double[] numeric, double tol) {
        double scale = 1e-3;
        for (double v : numeric) scale = Math.max(scale, Math.abs(v));
        int worst = -1;
        double worstErr = 0;
        for (int i = 0; i < numeric.length; i++) {
            double e = Math.abs(analytic[i] - numeric[i]);
            if (Double.isNaN(e)) fail(what + ": NaN at " + i + " (analytic=" + analytic[i] + ", numeric=" + numeric[i] + ")");
            if (e > worstErr || worst < 0) {
                worstErr = e;
                worst = i;
            }
        }
        if (!(worstErr <= tol * scale))
            fail(what + ": max |analytic − numeric| = " + worstErr + " at " + worst + " (analytic=" + analytic[worst]
                    + ", numeric=" + numeric[worst] + "), scale " + scale + ", relative " + worstErr / scale + " > " + tol);
    }

    /** Fails unless every {@code |a − b| ≤ atol + rtol·|b|}, naming the first offending index. */
    static void assertClose(String what, double[] expected, double[] actual, double atol, double rtol) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + " != " + expected.length);
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e)))
                fail(what + ": mismatch at " + i + " (expected=" + e + ", actual=" + a + "), atol=" + atol + " rtol=" + rtol);
        }
    }

    static void assertClose(String what, double[] expected, float[] actual, double atol, double rtol) {
        assertClose(what, expected, toDouble(actual), atol, rtol);
    }

    static void assertAllFinite(String what, double[] a) {
        for (int i = 0; i < a.length; i++) if (!Double.isFinite(a[i])) fail(what + ": non-finite " + a[i] + " at " + i);
    }
}
