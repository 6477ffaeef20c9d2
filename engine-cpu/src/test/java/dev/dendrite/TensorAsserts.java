package dev.dendrite;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Comparison against the textbook twin, and builders for non-contiguous operands. */
final class TensorAsserts {
    private TensorAsserts() {
    }

    static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};
    static final DType[] ALL = {DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64};

    /** Relative tolerance for a result computed once in double and rounded to {@code dtype}. */
    static double rtol(DType dtype) {
        return dtype == DType.FLOAT32 ? 1.2e-7 : dtype == DType.FLOAT64 ? 1e-14 : 0;
    }

    static void assertClose(String what, Nd expected, Tensor actual) {
        assertClose(what, expected, actual, rtol(actual.dtype()), 0);
    }

    static void assertExact(String what, Nd expected, Tensor actual) {
        assertClose(what, expected, actual, 0, 0);
    }

    /**
     * Fails unless shapes match and every element satisfies {@code |actual − expected| ≤ atol + rtol·|expected|}
     * (NaN matches NaN, infinities must match exactly), reporting the worst element.
     */
    static void assertClose(String what, Nd expected, Tensor actual, double rtol, double atol) {
        assertArrayEquals(expected.shape, actual.shape().toArray(), what + ": shape " + actual.shape() + " vs expected "
                + Arrays.toString(expected.shape));
        double[] a = actual.toDoubleArray();
        int bad = -1;
        double badErr = -1;
        for (int i = 0; i < a.length; i++) {
            double e = expected.v[i], x = a[i];
            boolean ok;
            if (Double.isNaN(e) || Double.isNaN(x)) ok = Double.isNaN(e) && Double.isNaN(x);
            else if (Double.isInfinite(e) || Double.isInfinite(x)) ok = e == x;
            else ok = Math.abs(x - e) <= atol + rtol * Math.abs(e);
            if (ok) continue;
            double err = Math.abs(x - e);
            if (bad < 0 || !(err <= badErr)) {
                bad = i;
                badErr = err;
            }
        }
        if (bad >= 0) {
            double e = expected.v[bad], x = a[bad];
            fail(what + " mismatch on " + actual.shape() + " " + actual.dtype().shortName() + ": max |actual-expected| = " + badErr
                    + " at " + Arrays.toString(Nd.unravel(bad, expected.shape)) + " (actual=" + x + ", expected=" + e + "), atol="
                    + atol + " rtol=" + rtol + "\n expected " + expected + "\n actual   " + Arrays.toString(a.length > 16 ? Arrays.copyOf(a, 16) : a));
        }
    }

    /** A non-contiguous view holding {@code values}: stored with the axes reversed, then permuted back. */
    static Tensor permutedView(Nd values, DType dtype) {
        int r = values.rank();
        int[] rev = new int[r];
        for (int i = 0; i < r; i++) rev[i] = r - 1 - i;
        return values.permute(rev).tensor(dtype).permute(rev);
    }

    /**
     * A view holding {@code values} at every second element of a larger storage, from offset 1, with
     * NaN (or -999) in the gaps so that reading a gap shows. A scalar becomes element 1 of a 3-vector.
     */
    static Tensor steppedView(Nd values, DType dtype) {
        double filler = dtype.isFloatingPoint() ? Double.NaN : -999;
        if (values.rank() == 0) return new Nd(new int[]{3}, new double[]{filler, values.v[0], filler}).tensor(dtype).select(0, 1);
        int[] base = values.shape.clone();
        int n = base[base.length - 1];
        base[base.length - 1] = 2 * n + 1;
        double[] b = new double[Nd.numel(base)];
        Arrays.fill(b, filler);
        for (int i = 0; i < values.numel(); i++) {
            int[] idx = Nd.unravel(i, values.shape);
            idx[idx.length - 1] = 2 * idx[idx.length - 1] + 1;
            b[Nd.ravel(idx, base)] = values.v[i];
        }
        return new Nd(base, b).tensor(dtype).slice(-1, 1, 2 * n + 1, 2);
    }

    static String describe(Tensor t) {
        return t.shape() + " " + t.dtype().shortName() + (t.isContiguous() ? "" : " (strided)");
    }
}
