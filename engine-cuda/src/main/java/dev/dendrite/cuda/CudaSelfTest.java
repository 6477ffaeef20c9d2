package dev.dendrite.cuda;

import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.ops.Conv2dParams;
import dev.dendrite.ops.RnnMode;
import dev.dendrite.ops.RnnParams;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.Storage;
import dev.dendrite.spi.View;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The probe's proof that the whole stack works on this machine: a small GEMM (cuBLAS), a
 * convolution (cuDNN) and an LSTM (cuDNN's RNN API, plus our kernels for its bookkeeping) run on
 * the GPU and compared with a reference — the CPU backend when it is installed, else plain loops
 * written here for the GEMM and the convolution (the LSTM then needs the CPU backend and is
 * skipped without it). A backend that fails it is never reported available.
 */
final class CudaSelfTest {
    private CudaSelfTest() {
    }

    /** The outcome: null failure when everything matched. */
    record Outcome(String failure, String summary) {
    }

    /** Deterministic, well-conditioned test values in [-1, 1]. */
    static float[] values(int n, int salt) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) Math.sin(0.37 * (i + 1) + salt * 1.7) * 0.9f;
        return v;
    }

    private static View upload(Backend b, float[] data, int... shape) {
        Storage s = b.allocate(DType.FLOAT32, data.length);
        b.writeFromHost(data, 0, s, 0, data.length);
        return new View(s, shape, Shape.of(shape).contiguousStrides(), 0);
    }

    private static View empty(Backend b, int... shape) {
        int n = Shape.of(shape).numel();
        return new View(b.allocate(DType.FLOAT32, n), shape, Shape.of(shape).contiguousStrides(), 0);
    }

    private static float[] download(Backend b, View v) {
        float[] out = new float[v.numel()];
        b.readToHost(v.storage(), v.offset(), out, 0, out.length);
        return out;
    }

    /** Compares and describes the first mismatch beyond {@code atol + rtol·|expected|}, or returns null. */
    static String compare(String what, float[] expected, float[] actual, double atol, double rtol) {
        if (expected.length != actual.length) return what + ": " + actual.length + " values, expected " + expected.length;
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) expected[i] - actual[i]);
            if (!(err <= atol + rtol * Math.abs(expected[i])) && (at < 0 || err > worst || Double.isNaN(err))) {
                worst = err;
                at = i;
            }
        }
        if (at < 0) return null;
        return String.format(Locale.ROOT, "%s mismatch: max |ref-cuda| = %.3g at %d (ref=%.6g, cuda=%.6g), atol=%.0e rtol=%.0e", what, worst, at,
                expected[at], actual[at], atol, rtol);
    }

    /** {@code c[m,n] = a[m,k]·b[k,n]} with plain loops. */
    static float[] gemm(float[] a, float[] b, int m, int k, int n) {
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double) a[i * k + p] * b[p * n + j];
                c[i * n + j] = (float) s;
            }
        return c;
    }

    /** Cross-correlation NCHW, one group, stride 1, padding {@code pad}, with plain loops. */
    static float[] conv(float[] x, int[] xs, float[] w, int[] ws, int pad) {
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3], k = ws[0], r = ws[2], s = ws[3];
        int oh = h + 2 * pad - r + 1, ow = wd + 2 * pad - s + 1;
        float[] y = new float[n * k * oh * ow];
        for (int b = 0; b < n; b++)
            for (int o = 0; o < k; o++)
                for (int p = 0; p < oh; p++)
                    for (int q = 0; q < ow; q++) {
                        double acc = 0;
                        for (int ci = 0; ci < c; ci++)
                            for (int i = 0; i < r; i++)
                                for (int j = 0; j < s; j++) {
                                    int hi = p - pad + i, wi = q - pad + j;
                                    if (hi < 0 || hi >= h || wi < 0 || wi >= wd) continue;
                                    acc += (double) x[((b * c + ci) * h + hi) * wd + wi] * w[((o * c + ci) * r + i) * s + j];
                                }
                        y[((b * k + o) * oh + p) * ow + q] = (float) acc;
                    }
        return y;
    }

    /**
     * Runs the checks on {@code cuda}, against {@code cpu} when non-null.
     */
    static Outcome run(Backend cuda, Backend cpu) {
        List<String> done = new ArrayList<>();
        List<View> cudaViews = new ArrayList<>();
        try {
            // GEMM 3x5 · 5x4, and its transpose flags.
            float[] a = values(15, 1), b = values(20, 2);
            View ga = upload(cuda, a, 3, 5), gb = upload(cuda, b, 5, 4), gc = empty(cuda, 3, 4);
            cudaViews.add(ga);
            cudaViews.add(gb);
            cudaViews.add(gc);
            cuda.matmul(ga, false, gb, false, gc);
            String f = compare("gemm [3,5]·[5,4] float32", gemm(a, b, 3, 5, 4), download(cuda, gc), 1e-5, 1e-5);
            if (f != null) return new Outcome(f, String.join(", ", done));
            done.add("gemm");

            // Convolution [2,3,6,5] * [4,3,3,3], padding 1.
            int[] xs = {2, 3, 6, 5}, ws = {4, 3, 3, 3};
            float[] x = values(2 * 3 * 6 * 5, 3), w = values(4 * 3 * 3 * 3, 4);
            View gx = upload(cuda, x, xs), gw = upload(cuda, w, ws), gy = empty(cuda, 2, 4, 6, 5);
            cudaViews.add(gx);
            cudaViews.add(gw);
            cudaViews.add(gy);
            cuda.conv2dForward(gx, gw, Conv2dParams.of(1, 1), gy);
            f = compare("conv2d x[2,3,6,5] w[4,3,3,3] pad 1 float32", conv(x, xs, w, ws, 1), download(cuda, gy), 1e-4, 1e-4);
            if (f != null) return new Outcome(f, String.join(", ", done));
            done.add("conv2d");

            if (cpu == null) return new Outcome(null, String.join(", ", done) + " (LSTM skipped: no CPU backend to compare with)");
            // LSTM: T=4, N=2, input 3, hidden 5, one layer, with per-sequence lengths.
            RnnParams p = RnnParams.of(RnnMode.LSTM, 3, 5);
            int[] lens = {4, 2};
            float[] xr = values(4 * 2 * 3, 5);
            float[][] wr = new float[p.weightCount()][];
            for (int i = 0; i < wr.length; i++) wr[i] = values(p.weightShape(i).numel(), 10 + i);
            float[] want = lstm(cpu, p, lens, xr, wr);
            float[] got = lstm(cuda, p, lens, xr, wr);
            f = compare("lstm(3→5) T=4 N=2 lengths [4, 2] float32", want, got, 1e-4, 1e-4);
            if (f != null) return new Outcome(f, String.join(", ", done));
            done.add("lstm");
            return new Outcome(null, String.join(", ", done) + " against the CPU backend");
        } finally {
            for (View v : cudaViews) cuda.free(v.storage());
        }
    }

    private static float[] lstm(Backend be, RnnParams p, int[] lens, float[] x, float[][] w) {
        List<View> views = new ArrayList<>();
        try {
            View xv = upload(be, x, 4, 2, 3);
            views.add(xv);
            View[] wv = new View[w.length];
            for (int i = 0; i < w.length; i++) {
                wv[i] = upload(be, w[i], p.weightShape(i).toArray());
                views.add(wv[i]);
            }
            View y = empty(be, 4, 2, 5), hy = empty(be, 1, 2, 5), cy = empty(be, 1, 2, 5);
            views.add(y);
            views.add(hy);
            views.add(cy);
            Backend.RnnReserve r = be.rnnForward(p, false, 0, lens, xv, null, null, wv, y, hy, cy);
            if (r != null) r.close();
            float[] yy = download(be, y), h = download(be, hy), c = download(be, cy);
            float[] all = new float[yy.length + h.length + c.length];
            System.arraycopy(yy, 0, all, 0, yy.length);
            System.arraycopy(h, 0, all, yy.length, h.length);
            System.arraycopy(c, 0, all, yy.length + h.length, c.length);
            return all;
        } finally {
            for (View v : views) be.free(v.storage());
        }
    }
}
