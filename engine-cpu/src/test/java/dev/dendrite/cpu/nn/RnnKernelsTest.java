package dev.dendrite.cpu.nn;

import dev.dendrite.ops.RnnMode;
import dev.dendrite.ops.RnnParams;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link RnnKernels}: hand-computed single steps of every cell, the fast path against the textbook
 * twin ({@link RnnTextbook}) in FLOAT64 and FLOAT32, and central-difference gradient checks in
 * FLOAT64 of dx, dh0, dc0 and every weight for every cell, stacked, bidirectional, with initial
 * states, padded lengths and dropout.
 */
class RnnKernelsTest {
    private static final double GRAD_TOL = 1e-6;

    // =============================================================================================
    // A network instance on plain double arrays
    // =============================================================================================

    /** Inputs of one run: x [T, N, in], h0/c0 [L·D, N, H] (or null), weights (biases may be null), lengths (or null). */
    static final class Net {
        final RnnParams p;
        final int steps, batch;
        final int[] lens;
        final double[] x, h0, c0;
        final double[][] w;

        Net(RnnParams p, int steps, int batch, int[] lens, boolean states, boolean biases, long seed) {
            this.p = p;
            this.steps = steps;
            this.batch = batch;
            this.lens = lens;
            Random rnd = new Random(seed);
            x = randn(rnd, steps * batch * p.inputSize(), 1);
            int s = p.stateShape(batch).numel();
            h0 = states ? randn(rnd, s, 0.5) : null;
            c0 = states && p.mode() == RnnMode.LSTM ? randn(rnd, s, 0.5) : null;
            w = new double[p.weightCount()][];
            for (int i = 0; i < w.length; i++)
                w[i] = i % 4 >= 2 && !biases ? null : randn(rnd, p.weightShape(i).numel(), 0.5);
        }

        RnnKernels.Buf[] wBufs(boolean f32) {
            RnnKernels.Buf[] b = new RnnKernels.Buf[w.length];
            for (int i = 0; i < w.length; i++) b[i] = buf(w[i], f32);
            return b;
        }

        /** Runs the fast path; results as doubles. */
        RnnTextbook.Out run(boolean f32, boolean training, long stream) {
            int yn = p.outputShape(steps, batch).numel(), sn = p.stateShape(batch).numel();
            Object y = f32 ? new float[yn] : new double[yn], hy = f32 ? new float[sn] : new double[sn];
            Object cy = f32 ? new float[sn] : new double[sn];
            RnnKernels.Reserve r = RnnKernels.forward(p, training, stream, steps, batch, lens, buf(x, f32), buf(h0, f32), buf(c0, f32),
                    wBufs(f32), new RnnKernels.Buf(y, 0), new RnnKernels.Buf(hy, 0), new RnnKernels.Buf(cy, 0));
            if (training) assertNotNull(r);
            else assertNull(r);
            if (r != null) r.close();
            return new RnnTextbook.Out(toD(y), toD(hy), p.mode() == RnnMode.LSTM ? toD(cy) : null);
        }

        RnnTextbook.Out twin(boolean training, long stream) {
            return RnnTextbook.forward(p, training, stream, steps, batch, lens, x, h0, c0, w);
        }
    }

    static double[] randn(Random rnd, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = scale * rnd.nextGaussian();
        return a;
    }

    static RnnKernels.Buf buf(double[] a, boolean f32) {
        if (a == null) return null;
        if (!f32) return new RnnKernels.Buf(a.clone(), 0);
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return new RnnKernels.Buf(f, 0);
    }

    static double[] toD(Object a) {
        if (a instanceof double[] d) return d;
        float[] f = (float[]) a;
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    static void assertClose(String what, double[] expected, double[] actual, double atol, double rtol) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++)
            if (!(Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i])))
                fail(what + ": mismatch at " + i + " (expected=" + expected[i] + ", actual=" + actual[i] + "), atol=" + atol + " rtol=" + rtol);
    }

    // =============================================================================================
    // Hand-computed single steps (T = 1, N = 1, in = 1, H = 1)
    // =============================================================================================

    private static double[] step(RnnMode mode, double x, double h, double c, double[] wih, double[] whh, double[] bih, double[] bhh,
                                 boolean f32) {
        RnnParams p = RnnParams.of(mode, 1, 1);
        Object y = f32 ? new float[1] : new double[1], hy = f32 ? new float[1] : new double[1], cy = f32 ? new float[1] : new double[1];
        RnnKernels.forward(p, false, 0, 1, 1, null, buf(new double[]{x}, f32), buf(new double[]{h}, f32),
                mode == RnnMode.LSTM ? buf(new double[]{c}, f32) : null,
                new RnnKernels.Buf[]{buf(wih, f32), buf(whh, f32), buf(bih, f32), buf(bhh, f32)},
                new RnnKernels.Buf(y, 0), new RnnKernels.Buf(hy, 0), new RnnKernels.Buf(cy, 0));
        return new double[]{toD(y)[0], toD(hy)[0], toD(cy)[0]};
    }

    @Test
    void tanhCellByHand() {
        // pre = W_ih·x + b_ih + W_hh·h + b_hh = 0.3·0.5 + 0.1 + (−0.4)·0.2 + 0.05 = 0.15 + 0.1 − 0.08 + 0.05 = 0.22
        // h' = tanh(0.22) = 0.21651806149302877
        for (boolean f32 : new boolean[]{false, true}) {
            double[] r = step(RnnMode.RNN_TANH, 0.5, 0.2, 0, new double[]{0.3}, new double[]{-0.4}, new double[]{0.1}, new double[]{0.05}, f32);
            assertEquals(0.21651806149302877, r[0], f32 ? 1e-7 : 1e-15);
            assertEquals(r[0], r[1], 0.0, "hy is the last output");
        }
    }

    @Test
    void reluCellByHand() {
        // x = 0.5:  pre = −0.6·0.5 + 0.1 + 0.5·0.2 + 0.05 = −0.3 + 0.1 + 0.1 + 0.05 = −0.05 → relu = 0
        // x = −0.5: pre =  0.3 + 0.1 + 0.1 + 0.05 = 0.55 → relu = 0.55
        double[] wih = {-0.6}, whh = {0.5}, bih = {0.1}, bhh = {0.05};
        assertEquals(0.0, step(RnnMode.RNN_RELU, 0.5, 0.2, 0, wih, whh, bih, bhh, false)[0], 0.0);
        assertEquals(0.55, step(RnnMode.RNN_RELU, -0.5, 0.2, 0, wih, whh, bih, bhh, false)[0], 1e-15);
    }

    @Test
    void lstmCellByHand() {
        // x = 1, h = 0.5, c = 0.25; rows i, f, g, o: W_ih = [0.1, 0.2, 0.3, 0.4], W_hh = [0.5, −0.5, 0.25, −0.25],
        // b_ih = [0, 0.1, 0, 0.1], b_hh = [0.05, 0, 0.05, 0].
        // pre_i = 0.1 + 0.25 + 0.05 = 0.4    i = σ(0.4)   = 0.598687660112452
        // pre_f = 0.2 + 0.1 − 0.25 = 0.05    f = σ(0.05)  = 0.5124973964842103
        // pre_g = 0.3 + 0.125 + 0.05 = 0.475 g = tanh(0.475) = 0.44223035604572614
        // pre_o = 0.4 + 0.1 − 0.125 = 0.375  o = σ(0.375) = 0.5926665999540697
        // c' = f·c + i·g = 0.128124349 + 0.264757857 = 0.39288220621276493
        // h' = o·tanh(c') = 0.5926666 · 0.3738425 = 0.22156383897622656
        for (boolean f32 : new boolean[]{false, true}) {
            double[] r = step(RnnMode.LSTM, 1, 0.5, 0.25, new double[]{0.1, 0.2, 0.3, 0.4}, new double[]{0.5, -0.5, 0.25, -0.25},
                    new double[]{0, 0.1, 0, 0.1}, new double[]{0.05, 0, 0.05, 0}, f32);
            double tol = f32 ? 1e-7 : 1e-15;
            assertEquals(0.22156383897622656, r[0], tol, "h'");
            assertEquals(0.22156383897622656, r[1], tol, "hy");
            assertEquals(0.39288220621276493, r[2], tol, "cy");
        }
    }

    @Test
    void gruCellByHand() {
        // x = 1, h = 0.5; rows r, z, n: W_ih = [0.1, 0.2, 0.3], W_hh = [0.4, −0.3, 0.6], b_ih = [0, 0.1, 0.2], b_hh = [0.1, 0, −0.2].
        // r = σ(0.1 + 0 + 0.2 + 0.1) = σ(0.4)  = 0.598687660112452
        // z = σ(0.2 + 0.1 − 0.15 + 0) = σ(0.15) = 0.5374298453437496
        // W_hn·h + b_hn = 0.3 − 0.2 = 0.1; the reset gate multiplies it (after the product, with its bias):
        // n = tanh(0.3 + 0.2 + r·0.1) = tanh(0.5598687660112451) = 0.5078800561773728
        // h' = (1 − z)·n + z·h = 0.2349356 + 0.2687149 = 0.5036450788046672
        // (Resetting before the product, tanh(0.5 + 0.6·(r·0.5) − 0.2), would give 0.4856..., so this pins the variant.)
        for (boolean f32 : new boolean[]{false, true}) {
            double[] r = step(RnnMode.GRU, 1, 0.5, 0, new double[]{0.1, 0.2, 0.3}, new double[]{0.4, -0.3, 0.6},
                    new double[]{0, 0.1, 0.2}, new double[]{0.1, 0, -0.2}, f32);
            assertEquals(0.5036450788046672, r[0], f32 ? 1e-7 : 1e-15);
        }
    }

    @Test
    void missingBiasesReadAsZero() {
        // tanh(0.3·0.5 − 0.4·0.2) = tanh(0.07)
        double[] r = step(RnnMode.RNN_TANH, 0.5, 0.2, 0, new double[]{0.3}, new double[]{-0.4}, null, null, false);
        assertEquals(Math.tanh(0.07), r[0], 1e-15);
    }

    // =============================================================================================
    // Fast path vs the textbook twin
    // =============================================================================================

    private static List<Net> twinCases() {
        List<Net> cases = new ArrayList<>();
        long seed = 1;
        for (RnnMode mode : RnnMode.values()) {
            cases.add(new Net(new RnnParams(mode, 3, 4, 1, false, 0, 0), 6, 2, null, false, true, seed++));
            cases.add(new Net(new RnnParams(mode, 5, 7, 2, true, 0, 0), 7, 4, new int[]{7, 3, 1, 5}, true, true, seed++));
            cases.add(new Net(new RnnParams(mode, 2, 3, 3, true, 0.4, 99), 5, 3, new int[]{2, 5, 4}, true, false, seed++));
        }
        return cases;
    }

    @Test
    void matchesTextbookTwinInFloat64() {
        for (Net n : twinCases()) {
            for (boolean training : new boolean[]{false, true}) {
                RnnTextbook.Out want = n.twin(training, 7), got = n.run(false, training, 7);
                String what = n.p + " lens=" + java.util.Arrays.toString(n.lens) + " training=" + training;
                assertClose(what + " y", want.y(), got.y(), 1e-13, 1e-12);
                assertClose(what + " hy", want.hy(), got.hy(), 1e-13, 1e-12);
                if (n.p.mode() == RnnMode.LSTM) assertClose(what + " cy", want.cy(), got.cy(), 1e-13, 1e-12);
            }
        }
    }

    @Test
    void matchesTextbookTwinInFloat32() {
        for (Net n : twinCases()) {
            RnnTextbook.Out want = n.twin(true, 3), got = n.run(true, true, 3);
            String what = n.p + " float32";
            assertClose(what + " y", want.y(), got.y(), 2e-5, 1e-4);
            assertClose(what + " hy", want.hy(), got.hy(), 2e-5, 1e-4);
            if (n.p.mode() == RnnMode.LSTM) assertClose(what + " cy", want.cy(), got.cy(), 2e-5, 1e-4);
        }
    }

    @Test
    void paddedStepsAreZeroAndFinalStatesAreTakenAtEachEnd() {
        RnnParams p = new RnnParams(RnnMode.GRU, 2, 3, 1, true, 0, 0);
        Net n = new Net(p, 5, 2, new int[]{5, 2}, false, true, 11);
        RnnTextbook.Out out = n.run(false, false, 0);
        int DH = 6, H = 3;
        for (int t = 2; t < 5; t++) for (int j = 0; j < DH; j++) assertEquals(0.0, out.y()[(t * 2 + 1) * DH + j], 0.0, "y past the end");
        for (int j = 0; j < H; j++) {
            // forward direction of sequence 1 ends at t = 1; the reverse direction ends at t = 0
            assertEquals(out.y()[(1 * 2 + 1) * DH + j], out.hy()[(0 * 2 + 1) * H + j], 0.0, "forward hn at own end");
            assertEquals(out.y()[(0 * 2 + 1) * DH + H + j], out.hy()[(1 * 2 + 1) * H + j], 0.0, "reverse hn at t = 0");
        }
        // The padded sequence alone (T = 2) gives the same numbers: padding does not leak into the reverse direction.
        Net alone = new Net(p, 2, 1, null, false, true, 11);
        double[] x1 = new double[2 * 2];
        for (int t = 0; t < 2; t++) System.arraycopy(n.x, (t * 2 + 1) * 2, x1, t * 2, 2);
        System.arraycopy(x1, 0, alone.x, 0, x1.length);
        for (int i = 0; i < n.w.length; i++) alone.w[i] = n.w[i];
        RnnTextbook.Out a = alone.run(false, false, 0);
        for (int t = 0; t < 2; t++)
            for (int j = 0; j < DH; j++) assertEquals(a.y()[t * DH + j], out.y()[(t * 2 + 1) * DH + j], 1e-15);
    }

    @Test
    void dropoutOnlyInTrainingAndOnlyBetweenLayers() {
        RnnParams p = new RnnParams(RnnMode.LSTM, 3, 4, 2, false, 0.5, 5);
        Net n = new Net(p, 4, 3, null, false, true, 21);
        RnnTextbook.Out eval = n.run(false, false, 0), train = n.run(false, true, 0), again = n.run(false, true, 0), other = n.run(false, true, 1);
        assertArrayEquals(train.y(), again.y(), 0.0, "same stream, same mask");
        assertTrue(maxAbsDiff(train.y(), eval.y()) > 1e-3, "dropout changes the output in training");
        assertTrue(maxAbsDiff(train.y(), other.y()) > 1e-3, "another stream draws another mask");
        RnnParams single = new RnnParams(RnnMode.LSTM, 3, 4, 1, false, 0.5, 5);
        Net one = new Net(single, 4, 3, null, false, true, 21);
        assertArrayEquals(one.run(false, false, 0).y(), one.run(false, true, 0).y(), 0.0, "no dropout after the last layer");
        // Layer 0's final state is computed before any dropout.
        assertArrayEquals(java.util.Arrays.copyOf(eval.hy(), 12), java.util.Arrays.copyOf(train.hy(), 12), 0.0);
    }

    /**
     * The float32 path (the Vector API one under Maven: Note [RNN float fast path]) against float64, forward
     * and backward, with H = 20: one full vector of 16 lanes plus a scalar tail, which the small twin
     * cases (H <= 7) never reach. Two layers, bidirectional, padded lengths, h0/c0 and every bias.
     * Tolerance: errors relative to the largest magnitude must stay below 2e-5, about 300 float ulps;
     * each value passes through ~6 steps of 80-term float sums whose rounding error bound is k·eps ≈ 5e-6.
     */
    @Test
    void float32PathMatchesFloat64WithFullVectors() {
        long seed = 40;
        for (RnnMode mode : RnnMode.values()) {
            Net n = new Net(new RnnParams(mode, 9, 20, 2, true, 0, 0), 6, 3, new int[]{6, 2, 4}, true, true, seed++);
            RnnTextbook.Out want = n.run(false, true, 0), got = n.run(true, true, 0);
            assertScaled(mode + " y", want.y(), got.y());
            assertScaled(mode + " hy", want.hy(), got.hy());
            if (mode == RnnMode.LSTM) assertScaled(mode + " cy", want.cy(), got.cy());
            Random rnd = new Random(5);
            double[] ry = randn(rnd, want.y().length, 1), rh = randn(rnd, want.hy().length, 1), rc = randn(rnd, rh.length, 1);
            Grads g64 = analytic(n, 0, ry, rh, rc, false), g32 = analytic(n, 0, ry, rh, rc, true);
            assertScaled(mode + " dx", g64.dx(), g32.dx());
            assertScaled(mode + " dh0", g64.dh0(), g32.dh0());
            if (mode == RnnMode.LSTM) assertScaled(mode + " dc0", g64.dc0(), g32.dc0());
            for (int i = 0; i < n.w.length; i++) assertScaled(mode + " d" + n.p.weightName(i), g64.dw()[i], g32.dw()[i]);
        }
    }

    /**
     * Note [RNN working memory]: later steps draw the reserve and scratch from the pool, holding the
     * previous step's values; with padded rows (which must read zero gate gradients) the gradients of
     * three identical steps must still be identical bit for bit, in both dtypes.
     */
    @Test
    void repeatedStepsOnPooledMemoryGiveIdenticalGradients() {
        for (RnnMode mode : new RnnMode[]{RnnMode.LSTM, RnnMode.GRU}) {
            Net n = new Net(new RnnParams(mode, 9, 20, 2, true, 0, 0), 12, 8, new int[]{12, 3, 7, 12, 1, 9, 12, 5}, true, true, 77);
            Random rnd = new Random(6);
            double[] ry = randn(rnd, n.p.outputShape(n.steps, n.batch).numel(), 1);
            double[] rh = randn(rnd, n.p.stateShape(n.batch).numel(), 1), rc = randn(rnd, rh.length, 1);
            for (boolean f32 : new boolean[]{true, false}) {
                Grads first = analytic(n, 0, ry, rh, rc, f32);
                for (int again = 0; again < 2; again++) {
                    Grads g = analytic(n, 0, ry, rh, rc, f32);
                    String what = mode + (f32 ? " float32" : " float64") + " step " + (again + 2);
                    assertArrayEquals(first.dx(), g.dx(), 0.0, what + " dx");
                    assertArrayEquals(first.dh0(), g.dh0(), 0.0, what + " dh0");
                    for (int i = 0; i < n.w.length; i++) assertArrayEquals(first.dw()[i], g.dw()[i], 0.0, what + " dw" + i);
                }
            }
        }
    }

    private static void assertScaled(String what, double[] expected, double[] actual) {
        double scale = 1e-3, err = 0;
        for (double v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(expected[i] - actual[i]));
        assertTrue(err / scale < 2e-5, what + ": relative error " + err / scale + " (scale " + scale + ")");
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    // =============================================================================================
    // Gradient checks (FLOAT64, central differences)
    // =============================================================================================

    /** Analytic gradients of {@code L = Σ y·Ry + Σ hy·Rh + Σ cy·Rc} from the backward kernels. */
    private record Grads(double[] dx, double[] dh0, double[] dc0, double[][] dw) {
    }

    private static Grads analytic(Net n, long stream, double[] ry, double[] rh, double[] rc, boolean f32) {
        RnnParams p = n.p;
        int yn = ry.length, sn = rh.length;
        Object y = f32 ? new float[yn] : new double[yn], hy = f32 ? new float[sn] : new double[sn], cy = f32 ? new float[sn] : new double[sn];
        RnnKernels.Buf[] w = n.wBufs(f32);
        RnnKernels.Buf x = buf(n.x, f32);
        RnnKernels.Reserve r = RnnKernels.forward(p, true, stream, n.steps, n.batch, n.lens, x, buf(n.h0, f32), buf(n.c0, f32), w,
                new RnnKernels.Buf(y, 0), new RnnKernels.Buf(hy, 0), new RnnKernels.Buf(cy, 0));
        // Output buffers start as garbage to check that backward writes rather than accumulates.
        Object dx = filled(n.x.length, f32), dh0 = filled(sn, f32), dc0 = filled(sn, f32);
        RnnKernels.backwardData(r, buf(ry, f32), buf(rh, f32), p.mode() == RnnMode.LSTM ? buf(rc, f32) : null, w,
                new RnnKernels.Buf(dx, 0), new RnnKernels.Buf(dh0, 0), new RnnKernels.Buf(dc0, 0));
        Object[] dw = new Object[w.length];
        RnnKernels.Buf[] dwb = new RnnKernels.Buf[w.length];
        for (int i = 0; i < w.length; i++) {
            if (n.w[i] == null) continue;
            dw[i] = filled(n.w[i].length, f32);
            dwb[i] = new RnnKernels.Buf(dw[i], 0);
        }
        RnnKernels.backwardWeights(r, x, dwb);
        r.close();
        double[][] dwd = new double[w.length][];
        for (int i = 0; i < w.length; i++) dwd[i] = dw[i] == null ? null : toD(dw[i]);
        return new Grads(toD(dx), toD(dh0), p.mode() == RnnMode.LSTM ? toD(dc0) : null, dwd);
    }

    private static Object filled(int n, boolean f32) {
        if (f32) {
            float[] a = new float[n];
            java.util.Arrays.fill(a, 123f);
            return a;
        }
        double[] a = new double[n];
        java.util.Arrays.fill(a, 123);
        return a;
    }

    private static double loss(Net n, long stream, double[] ry, double[] rh, double[] rc) {
        RnnTextbook.Out o = n.run(false, true, stream);
        double s = 0;
        for (int i = 0; i < ry.length; i++) s += o.y()[i] * ry[i];
        for (int i = 0; i < rh.length; i++) s += o.hy()[i] * rh[i];
        if (o.cy() != null) for (int i = 0; i < rc.length; i++) s += o.cy()[i] * rc[i];
        return s;
    }

    private static double[] numeric(double[] param, DoubleSupplier loss) {
        double h = 1e-6;
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

    /** Relative error {@code max|a − n| / max(max|n|, 1e-3)} must stay below {@link #GRAD_TOL}. */
    static void assertGradient(String what, double[] analytic, double[] numeric) {
        double scale = 1e-3, err = 0;
        int at = 0;
        for (double v : numeric) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < numeric.length; i++) {
            double e = Math.abs(analytic[i] - numeric[i]);
            if (!(e <= err)) {
                err = e;
                at = i;
            }
        }
        if (!(err / scale < GRAD_TOL))
            fail(what + ": relative error " + err / scale + " at " + at + " (analytic=" + analytic[at] + ", numeric=" + numeric[at]
                    + ", scale " + scale + ") >= " + GRAD_TOL);
    }

    private static void gradientCheck(Net n, long stream) {
        RnnParams p = n.p;
        Random rnd = new Random(1234);
        double[] ry = randn(rnd, p.outputShape(n.steps, n.batch).numel(), 1);
        double[] rh = randn(rnd, p.stateShape(n.batch).numel(), 1), rc = randn(rnd, rh.length, 1);
        Grads g = analytic(n, stream, ry, rh, rc, false);
        DoubleSupplier l = () -> loss(n, stream, ry, rh, rc);
        String what = p + " lens=" + java.util.Arrays.toString(n.lens) + (n.h0 != null ? " with h0" : "") + (n.c0 != null ? "/c0" : "");
        assertGradient(what + " dx", g.dx(), numeric(n.x, l));
        if (n.h0 != null) assertGradient(what + " dh0", g.dh0(), numeric(n.h0, l));
        if (n.c0 != null) assertGradient(what + " dc0", g.dc0(), numeric(n.c0, l));
        for (int i = 0; i < n.w.length; i++)
            if (n.w[i] != null) assertGradient(what + " d" + p.weightName(i), g.dw()[i], numeric(n.w[i], l));
        if (n.lens != null) {
            // Gradients at padded steps are exactly zero.
            int in = p.inputSize();
            for (int b = 0; b < n.batch; b++)
                for (int t = n.lens[b]; t < n.steps; t++)
                    for (int k = 0; k < in; k++) assertEquals(0.0, g.dx()[(t * n.batch + b) * in + k], 0.0, what + " dx past the end");
        }
    }

    @Test
    void gradientsOneLayer() {
        long seed = 100;
        for (RnnMode mode : RnnMode.values())
            gradientCheck(new Net(new RnnParams(mode, 3, 4, 1, false, 0, 0), 5, 2, null, false, true, seed++), 0);
    }

    @Test
    void gradientsWithInitialStates() {
        long seed = 200;
        for (RnnMode mode : RnnMode.values())
            gradientCheck(new Net(new RnnParams(mode, 3, 4, 1, false, 0, 0), 4, 3, null, true, true, seed++), 0);
    }

    @Test
    void gradientsTwoLayersBidirectionalPaddedWithStates() {
        long seed = 300;
        for (RnnMode mode : RnnMode.values())
            gradientCheck(new Net(new RnnParams(mode, 3, 3, 2, true, 0, 0), 5, 3, new int[]{5, 2, 1}, true, true, seed++), 0);
    }

    @Test
    void gradientsWithDropoutAndSingleBias() {
        long seed = 400;
        for (RnnMode mode : RnnMode.values()) {
            Net n = new Net(new RnnParams(mode, 2, 3, 2, true, 0.3, 77), 4, 2, new int[]{3, 4}, true, true, seed++);
            for (int i = 3; i < n.w.length; i += 4) n.w[i] = null;   // b_hh omitted: Keras's single bias
            gradientCheck(n, 5);
        }
    }

    @Test
    void float32GradientsAgreeWithFloat64() {
        long seed = 500;
        for (RnnMode mode : RnnMode.values()) {
            Net n = new Net(new RnnParams(mode, 4, 5, 2, true, 0.2, 3), 6, 3, new int[]{6, 1, 4}, true, true, seed++);
            Random rnd = new Random(9);
            double[] ry = randn(rnd, n.p.outputShape(6, 3).numel(), 1), rh = randn(rnd, n.p.stateShape(3).numel(), 1);
            double[] rc = randn(rnd, rh.length, 1);
            // Round the inputs to float first so both precisions see the same numbers.
            for (double[] a : new double[][]{n.x, n.h0, n.c0, ry, rh, rc}) if (a != null) for (int i = 0; i < a.length; i++) a[i] = (float) a[i];
            for (double[] a : n.w) if (a != null) for (int i = 0; i < a.length; i++) a[i] = (float) a[i];
            Grads d = analytic(n, 2, ry, rh, rc, false), f = analytic(n, 2, ry, rh, rc, true);
            assertClose(mode + " f32 dx", d.dx(), f.dx(), 1e-4, 1e-3);
            assertClose(mode + " f32 dh0", d.dh0(), f.dh0(), 1e-4, 1e-3);
            for (int i = 0; i < d.dw().length; i++) assertClose(mode + " f32 d" + n.p.weightName(i), d.dw()[i], f.dw()[i], 1e-4, 1e-3);
        }
    }

    @Test
    void backwardWeightsBeforeBackwardDataIsRejected() {
        Net n = new Net(RnnParams.of(RnnMode.RNN_TANH, 2, 2), 2, 1, null, false, true, 1);
        RnnKernels.Reserve r = RnnKernels.forward(n.p, true, 0, 2, 1, null, buf(n.x, false), null, null, n.wBufs(false),
                new RnnKernels.Buf(new double[4], 0), null, null);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RnnKernels.backwardWeights(r, buf(n.x, false), new RnnKernels.Buf[]{new RnnKernels.Buf(new double[4], 0), null, null, null}));
        assertTrue(e.getMessage().contains("rnnBackwardData first"), e.getMessage());
        r.close();
        assertThrows(IllegalStateException.class, () -> RnnKernels.backwardData(r, buf(new double[4], false), null, null, n.wBufs(false),
                new RnnKernels.Buf(new double[4], 0), null, null));
    }
}
