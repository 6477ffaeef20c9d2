package dev.dendrite.cpu.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;

/**
 * Array helpers for the convolution, pooling and upsampling tests: random float-representable
 * data, operands embedded at an offset inside NaN guard bands (so a read outside an operand
 * poisons the result and a write outside it is caught), and element-wise tolerance checks that
 * name the worst element.
 */
final class ConvTestSupport {
    /** Unit roundoff of float and of double. */
    static final double U_FLOAT = Math.ulp(1.0f) / 2, U_DOUBLE = Math.ulp(1.0) / 2;
    static final int GUARD = 7;

    private ConvTestSupport() {
    }

    /** Uniform in [-1, 1), each value exactly representable as a float. */
    static double[] random(Random rnd, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextFloat() * 2f - 1f;
        return a;
    }

    static int size(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    static String shape(int[] s) {
        return Arrays.toString(s).replace(" ", "");
    }

    static double[] abs(double[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = Math.abs(a[i]);
        return r;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static double[] scale(double[] a, double f) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i] * f;
        return r;
    }

    /** {@code a} at offset {@code off} of a longer array whose other elements are NaN. */
    static double[] embed(double[] a, int off) {
        double[] r = new double[off + a.length + GUARD];
        Arrays.fill(r, Double.NaN);
        System.arraycopy(a, 0, r, off, a.length);
        return r;
    }

    static float[] embedFloat(double[] a, int off) {
        float[] r = new float[off + a.length + GUARD];
        Arrays.fill(r, Float.NaN);
        for (int i = 0; i < a.length; i++) r[off + i] = (float) a[i];
        return r;
    }

    /** An all-NaN array with room for {@code n} elements at {@code off}: outputs must overwrite every element. */
    static double[] output(int off, int n) {
        return nanArray(off + n + GUARD);
    }

    static float[] outputFloat(int off, int n) {
        float[] r = new float[off + n + GUARD];
        Arrays.fill(r, Float.NaN);
        return r;
    }

    private static double[] nanArray(int n) {
        double[] r = new double[n];
        Arrays.fill(r, Double.NaN);
        return r;
    }

    /** The {@code n} elements at {@code off}, after checking that nothing outside them was written. */
    static double[] extract(String what, double[] r, int off, int n) {
        for (int i = 0; i < r.length; i++)
            if ((i < off || i >= off + n) && !Double.isNaN(r[i]))
                fail(what + ": wrote index " + i + " outside its operand [" + off + ", " + (off + n) + ")");
        return Arrays.copyOfRange(r, off, off + n);
    }

    static double[] extract(String what, float[] r, int off, int n) {
        for (int i = 0; i < r.length; i++)
            if ((i < off || i >= off + n) && !Float.isNaN(r[i]))
                fail(what + ": wrote index " + i + " outside its operand [" + off + ", " + (off + n) + ")");
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = r[off + i];
        return d;
    }

    /** Asserts {@code |actual − expected| <= tol[i]} element-wise (NaN fails), naming the worst element. */
    static void assertWithin(String what, double[] expected, double[] actual, double[] tol) {
        assertTrue(expected.length == actual.length, what + ": length " + actual.length + " != " + expected.length);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            if (!(err <= tol[i])) {
                double excess = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err - tol[i];
                if (worst < 0 || excess > worstExcess) {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }
        if (worst >= 0)
            fail(what + ": mismatch at index " + worst + " (expected=" + expected[worst] + ", actual=" + actual[worst]
                    + ", |diff|=" + Math.abs(actual[worst] - expected[worst]) + ", tol=" + tol[worst] + ")");
    }

    /** Exact element-wise equality, naming the first difference. */
    static void assertExactly(String what, double[] expected, double[] actual) {
        assertWithin(what, expected, actual, new double[expected.length]);
    }

    /**
     * Tolerance for a result whose elements are sums of at most {@code terms} products: the classic
     * bound {@code |computed − exact| <= γ·Σ|products|} holds for any summation order, with
     * {@code γ ≈ (terms + 1)·u}; {@code absSums} is the oracle run on absolute values.
     */
    static double[] sumBound(double[] absSums, long terms, double unitRoundoff) {
        double gamma = (terms + 2) * unitRoundoff;
        return scale(absSums, gamma);
    }

    static double[] add(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i] + b[i];
        return r;
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** {@code max|a − b| / max|b|}: relative error of a gradient check. */
    static double relativeError(double[] numeric, double[] analytic) {
        double m = 0;
        for (int i = 0; i < numeric.length; i++) m = Math.max(m, Math.abs(numeric[i] - analytic[i]));
        return m / Math.max(maxAbs(analytic), Double.MIN_NORMAL);
    }
}
