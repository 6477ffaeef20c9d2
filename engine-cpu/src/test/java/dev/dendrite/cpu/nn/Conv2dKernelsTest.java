package dev.dendrite.cpu.nn;

import static dev.dendrite.cpu.nn.ConvTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dendrite.ops.Conv2dParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Conv2dKernelsTest {
    private static final Conv2dParams VALID = Conv2dParams.defaults();

    // ---- hand-computed -----------------------------------------------------------------------

    // x = 1 2 3     w = 1 2
    //     4 5 6         3 4
    //     7 8 9
    // y[0,0] = 1·1 + 2·2 + 4·3 + 5·4 = 37    y[0,1] = 2·1 + 3·2 + 5·3 + 6·4 = 47
    // y[1,0] = 4·1 + 5·2 + 7·3 + 8·4 = 67    y[1,1] = 5·1 + 6·2 + 8·3 + 9·4 = 77
    private static final double[] X3 = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    private static final double[] W2 = {1, 2, 3, 4};
    private static final int[] XS3 = {1, 1, 3, 3}, WS2 = {1, 1, 2, 2}, YS2 = {1, 1, 2, 2};

    @Test
    void handComputedForwardWithoutPadding() {
        double[] y = new double[4];
        Conv2dKernels.forward(X3, 0, XS3, W2, 0, WS2, VALID, y, 0, YS2);
        assertArrayEquals(new double[]{37, 47, 67, 77}, y);
        float[] yf = new float[4];
        Conv2dKernels.forward(toFloat(X3), 0, XS3, toFloat(W2), 0, WS2, VALID, yf, 0, YS2);
        assertArrayEquals(new float[]{37, 47, 67, 77}, yf);
    }

    // Padding 1, stride 2: output floor((3 + 2 − 2)/2) + 1 = 2. Window (p, q) covers input rows
    // 2p−1 .. 2p and columns 2q−1 .. 2q; padded taps read zero:
    // y[0,0] = x[0,0]·w[1,1] = 1·4 = 4
    // y[0,1] = x[0,1]·w[1,0] + x[0,2]·w[1,1] = 2·3 + 3·4 = 18
    // y[1,0] = x[1,0]·w[0,1] + x[2,0]·w[1,1] = 4·2 + 7·4 = 36
    // y[1,1] = x[1,1]·w[0,0] + x[1,2]·w[0,1] + x[2,1]·w[1,0] + x[2,2]·w[1,1] = 5 + 12 + 24 + 36 = 77
    @Test
    void handComputedForwardWithPaddingAndStride() {
        double[] y = new double[4];
        Conv2dKernels.forward(X3, 0, XS3, W2, 0, WS2, Conv2dParams.of(2, 1), y, 0, YS2);
        assertArrayEquals(new double[]{4, 18, 36, 77}, y);
    }

    // With dy = 1 everywhere on the 2×2 output of the unpadded case:
    // dx[i,j] = sum of the w taps that read x[i,j]:  1  1+2  2        1  3  2
    //                                               1+3 all 2+4   =   4 10  6
    //                                                3  3+4  4        3  7  4
    // dw[r,s] = sum of the 2×2 block of x starting at (r,s): 1+2+4+5=12, 2+3+5+6=16, 4+5+7+8=24, 5+6+8+9=28
    // db = 4 (four output positions)
    @Test
    void handComputedBackward() {
        double[] dy = {1, 1, 1, 1};
        double[] dx = new double[9];
        Conv2dKernels.backwardData(dy, 0, YS2, W2, 0, WS2, VALID, dx, 0, XS3);
        assertArrayEquals(new double[]{1, 3, 2, 4, 10, 6, 3, 7, 4}, dx);
        double[] dw = new double[4];
        Conv2dKernels.backwardFilter(X3, 0, XS3, dy, 0, YS2, VALID, dw, 0, WS2);
        assertArrayEquals(new double[]{12, 16, 24, 28}, dw);
        double[] db = new double[1];
        Conv2dKernels.backwardBias(dy, 0, YS2, db, 0);
        assertArrayEquals(new double[]{4}, db);
    }

    // Depthwise (groups = C = 2), 1×1 kernels: each channel is scaled by its own weight.
    // x channel 0 = 1 2 / 3 4, channel 1 = 5 6 / 7 8; w = [10, -1] → y = 10 20 30 40 / -5 -6 -7 -8.
    // Backward with dy = y: dx = w·dy = 100 200 300 400 / 5 6 7 8; dw[k] = Σ x·dy = 10·(1+4+9+16) = 300, −(25+36+49+64) = −174.
    @Test
    void handComputedDepthwise() {
        double[] x = {1, 2, 3, 4, 5, 6, 7, 8}, w = {10, -1};
        int[] xs = {1, 2, 2, 2}, ws = {2, 1, 1, 1};
        Conv2dParams p = VALID.withGroups(2);
        double[] y = new double[8];
        Conv2dKernels.forward(x, 0, xs, w, 0, ws, p, y, 0, xs);
        assertArrayEquals(new double[]{10, 20, 30, 40, -5, -6, -7, -8}, y);
        double[] dx = new double[8], dw = new double[2];
        Conv2dKernels.backwardData(y, 0, xs, w, 0, ws, p, dx, 0, xs);
        assertArrayEquals(new double[]{100, 200, 300, 400, 5, 6, 7, 8}, dx);
        Conv2dKernels.backwardFilter(x, 0, xs, y, 0, xs, p, dw, 0, ws);
        assertArrayEquals(new double[]{300, -174}, dw);
    }

    // ---- random cases against the oracle -----------------------------------------------------

    record Case(int[] xs, int[] ws, Conv2dParams p) {
        int[] ys() {
            return ConvOracle.outputShape(xs, ws, p);
        }

        @Override
        public String toString() {
            return "x" + shape(xs) + " w" + shape(ws) + " " + p;
        }
    }

    private static Case c(int n, int ch, int h, int w, int k, int r, int s, Conv2dParams p) {
        return new Case(new int[]{n, ch, h, w}, new int[]{k, ch / p.groups(), r, s}, p);
    }

    /** Awkward geometries covering every path (general, tiled, pointwise, depthwise) and edge. */
    static List<Case> cases() {
        List<Case> l = new ArrayList<>();
        l.add(c(2, 3, 7, 9, 5, 3, 2, new Conv2dParams(2, 1, 1, 0, 1, 1, 1)));   // odd sizes, non-square kernel and stride
        l.add(c(1, 4, 11, 10, 6, 3, 3, new Conv2dParams(1, 1, 2, 1, 2, 3, 2))); // dilation with groups, batch 1
        l.add(c(3, 6, 9, 7, 9, 2, 3, new Conv2dParams(2, 3, 1, 2, 1, 2, 3)));   // three groups, strided, dilated
        l.add(c(1, 5, 8, 9, 7, 3, 3, Conv2dParams.of(1, 1)));                   // channels not divisible by 4
        l.add(c(2, 5, 9, 8, 5, 3, 3, Conv2dParams.of(1, 1).withGroups(5)));     // depthwise
        l.add(c(2, 3, 12, 11, 6, 5, 4, new Conv2dParams(2, 3, 2, 1, 1, 2, 3))); // depthwise, multiplier 2, strided, dilated
        l.add(c(1, 4, 6, 5, 4, 3, 3, new Conv2dParams(3, 2, 2, 2, 2, 1, 4)));   // depthwise, batch 1 (runs on the caller)
        l.add(c(2, 3, 8, 9, 3, 3, 3, new Conv2dParams(1, 1, 2, 2, 2, 2, 3)));   // depthwise 3-wide, dilated: fused interior + edges
        l.add(c(2, 4, 7, 3, 4, 3, 3, new Conv2dParams(1, 1, 1, 2, 1, 2, 4)));   // depthwise 3-wide with no interior column
        l.add(c(2, 3, 6, 4, 5, 3, 3, new Conv2dParams(1, 1, 1, 2, 1, 2, 1)));   // im2col 3-wide with no interior column
        l.add(c(3, 7, 5, 6, 5, 1, 1, VALID));                                   // 1×1 stride 1: pointwise GEMM
        l.add(c(2, 6, 5, 4, 9, 1, 1, VALID.withGroups(3)));                     // grouped pointwise
        l.add(c(2, 5, 9, 7, 3, 1, 1, Conv2dParams.of(2, 0)));                   // 1×1 stride 2: im2col path
        l.add(c(2, 3, 10, 10, 4, 2, 2, Conv2dParams.of(3, 1)));                 // stride > kernel
        l.add(c(1, 2, 3, 3, 3, 5, 5, Conv2dParams.of(1, 2)));                   // kernel larger than the input
        l.add(c(19, 3, 4, 5, 4, 3, 3, Conv2dParams.of(1, 1)));                  // 19 images: 16 uneven filter chunks
        l.add(c(1, 64, 64, 64, 4, 3, 3, Conv2dParams.of(1, 1)));                // two im2col tiles of 56 and 8 rows
        return l;
    }

    /** Results of the four kernels, as double arrays: y, dx, dw, db. */
    private record Results(double[] y, double[] dx, double[] dw, double[] db) {
    }

    private static Results runDouble(Case k, double[] x, double[] w, double[] dy) {
        int[] ys = k.ys();
        int nx = size(k.xs), nw = size(k.ws), ny = size(ys);
        String what = "conv2d float64 " + k;
        double[] y = output(9, ny), dx = output(4, nx), dw = output(6, nw), db = output(2, k.ws[0]);
        Conv2dKernels.forward(embed(x, 3), 3, k.xs, embed(w, 5), 5, k.ws, k.p, y, 9, ys);
        Conv2dKernels.backwardData(embed(dy, 1), 1, ys, embed(w, 5), 5, k.ws, k.p, dx, 4, k.xs);
        Conv2dKernels.backwardFilter(embed(x, 3), 3, k.xs, embed(dy, 1), 1, ys, k.p, dw, 6, k.ws);
        Conv2dKernels.backwardBias(embed(dy, 1), 1, ys, db, 2);
        return new Results(extract(what + " forward", y, 9, ny), extract(what + " backwardData", dx, 4, nx),
                extract(what + " backwardFilter", dw, 6, nw), extract(what + " backwardBias", db, 2, k.ws[0]));
    }

    private static Results runFloat(Case k, double[] x, double[] w, double[] dy) {
        int[] ys = k.ys();
        int nx = size(k.xs), nw = size(k.ws), ny = size(ys);
        String what = "conv2d float32 " + k;
        float[] y = outputFloat(9, ny), dx = outputFloat(4, nx), dw = outputFloat(6, nw), db = outputFloat(2, k.ws[0]);
        Conv2dKernels.forward(embedFloat(x, 3), 3, k.xs, embedFloat(w, 5), 5, k.ws, k.p, y, 9, ys);
        Conv2dKernels.backwardData(embedFloat(dy, 1), 1, ys, embedFloat(w, 5), 5, k.ws, k.p, dx, 4, k.xs);
        Conv2dKernels.backwardFilter(embedFloat(x, 3), 3, k.xs, embedFloat(dy, 1), 1, ys, k.p, dw, 6, k.ws);
        Conv2dKernels.backwardBias(embedFloat(dy, 1), 1, ys, db, 2);
        return new Results(extract(what + " forward", y, 9, ny), extract(what + " backwardData", dx, 4, nx),
                extract(what + " backwardFilter", dw, 6, nw), extract(what + " backwardBias", db, 2, k.ws[0]));
    }

    /**
     * Element-wise error bounds (Note in {@link ConvTestSupport#sumBound}): each output is a sum of
     * at most C/G·R·S (forward), K/G·R·S (data) or N·P·Q (filter, bias) products, bounded by the
     * oracle run on absolute values.
     */
    private record Bounds(double[] y, double[] dx, double[] dw, double[] db, long ny, long nx, long nw) {
        static Bounds of(Case k, double[] x, double[] w, double[] dy) {
            int[] ys = k.ys();
            double[] ax = abs(x), aw = abs(w), ady = abs(dy);
            return new Bounds(ConvOracle.forward(ax, k.xs, aw, k.ws, k.p),
                    ConvOracle.backwardData(ady, ys, aw, k.ws, k.p, k.xs),
                    ConvOracle.backwardFilter(ax, k.xs, ady, ys, k.p, k.ws),
                    ConvOracle.backwardBias(ady, ys),
                    (long) k.ws[1] * k.ws[2] * k.ws[3], (long) (k.ws[0] / k.p.groups()) * k.ws[2] * k.ws[3],
                    (long) ys[0] * ys[2] * ys[3]);
        }

        /** Tolerance between two results with unit roundoffs u1 and u2 (both bounded against the exact value). */
        Results tol(double u1, double u2) {
            return new Results(add(sumBound(y, ny, u1), sumBound(y, ny, u2)), add(sumBound(dx, nx, u1), sumBound(dx, nx, u2)),
                    add(sumBound(dw, nw, u1), sumBound(dw, nw, u2)), add(sumBound(db, nw, u1), sumBound(db, nw, u2)));
        }
    }

    private static void assertResults(String what, Results expected, Results actual, Results tol) {
        assertWithin(what + " forward", expected.y, actual.y, tol.y);
        assertWithin(what + " backwardData", expected.dx, actual.dx, tol.dx);
        assertWithin(what + " backwardFilter", expected.dw, actual.dw, tol.dw);
        assertWithin(what + " backwardBias", expected.db, actual.db, tol.db);
    }

    @Test
    void randomCasesMatchTheOracleInBothPrecisions() {
        Random rnd = new Random(42);
        for (Case k : cases()) {
            int[] ys = k.ys();
            assertTrue(ys[2] > 0 && ys[3] > 0, "bad test case " + k);
            double[] x = random(rnd, size(k.xs)), w = random(rnd, size(k.ws)), dy = random(rnd, size(ys));
            Results oracle = new Results(ConvOracle.forward(x, k.xs, w, k.ws, k.p), ConvOracle.backwardData(dy, ys, w, k.ws, k.p, k.xs),
                    ConvOracle.backwardFilter(x, k.xs, dy, ys, k.p, k.ws), ConvOracle.backwardBias(dy, ys));
            Bounds b = Bounds.of(k, x, w, dy);
            Results dbl = runDouble(k, x, w, dy), flt = runFloat(k, x, w, dy);
            assertResults("conv2d float64 vs oracle " + k, oracle, dbl, b.tol(U_DOUBLE, U_DOUBLE));
            assertResults("conv2d float32 vs oracle " + k, oracle, flt, b.tol(U_FLOAT, U_DOUBLE));
            // float32 against float64 of the same kernels: each is within its own bound of the exact value
            assertResults("conv2d float32 vs float64 " + k, dbl, flt, b.tol(U_FLOAT, 2 * U_DOUBLE));
        }
    }

    /** The float bound is not vacuous: it is far below the values themselves, and float really differs from double. */
    @Test
    void floatToleranceIsTightButNotExact() {
        Random rnd = new Random(5);
        Case k = c(2, 16, 9, 9, 8, 3, 3, Conv2dParams.of(1, 1));
        double[] x = random(rnd, size(k.xs)), w = random(rnd, size(k.ws)), dy = random(rnd, size(k.ys()));
        Results flt = runFloat(k, x, w, dy), dbl = runDouble(k, x, w, dy);
        Results tol = Bounds.of(k, x, w, dy).tol(U_FLOAT, 2 * U_DOUBLE);
        assertTrue(maxAbs(tol.y) < 1e-3 * maxAbs(dbl.y), "tolerance " + maxAbs(tol.y) + " vs values " + maxAbs(dbl.y));
        double diff = 0;
        for (int i = 0; i < flt.y.length; i++) diff = Math.max(diff, Math.abs(flt.y[i] - dbl.y[i]));
        assertTrue(diff > 0, "float32 and float64 agree exactly: the float path may be computing in double");
    }

    // ---- adjoint identity and finite differences (double) -----------------------------------

    /** {@code ⟨conv(x, w), dy⟩ = ⟨x, backwardData(dy, w)⟩ = ⟨w, backwardFilter(x, dy)⟩}. */
    @Test
    void adjointIdentityHoldsForEveryCase() {
        Random rnd = new Random(7);
        for (Case k : cases()) {
            int[] ys = k.ys();
            double[] x = random(rnd, size(k.xs)), w = random(rnd, size(k.ws)), dy = random(rnd, size(ys));
            Results r = runDouble(k, x, w, dy);
            double fwd = dot(r.y, dy), data = dot(x, r.dx), filter = dot(w, r.dw);
            double scale = dot(ConvOracle.forward(abs(x), k.xs, abs(w), k.ws, k.p), abs(dy));
            assertTrue(Math.abs(fwd - data) <= 1e-12 * scale, "adjoint in x " + k + ": " + fwd + " vs " + data);
            assertTrue(Math.abs(fwd - filter) <= 1e-12 * scale, "adjoint in w " + k + ": " + fwd + " vs " + filter);
            assertTrue(scale > 0, "degenerate case " + k);
        }
    }

    /**
     * Central differences of {@code L = ½ Σ (conv(x, w) + b − t)²}; its gradients are
     * backwardData/backwardFilter/backwardBias of {@code r = conv(x, w) + b − t}. L is quadratic, so
     * central differences are exact up to rounding.
     */
    @Test
    void gradientsMatchCentralDifferences() {
        Random rnd = new Random(11);
        List<Case> small = List.of(
                c(2, 4, 6, 5, 6, 3, 2, new Conv2dParams(2, 1, 1, 1, 1, 2, 2)),
                c(2, 3, 7, 6, 3, 3, 3, new Conv2dParams(1, 2, 2, 1, 2, 1, 3)),
                c(2, 4, 4, 5, 4, 1, 1, VALID),
                c(1, 3, 5, 5, 2, 2, 3, Conv2dParams.of(3, 1)));
        for (Case k : small) {
            int[] ys = k.ys();
            double[] x = random(rnd, size(k.xs)), w = random(rnd, size(k.ws)), b = random(rnd, k.ws[0]), t = random(rnd, size(ys));
            double[] res = residual(k, x, w, b, t);
            double[] dx = new double[x.length], dw = new double[w.length], db = new double[b.length];
            Conv2dKernels.backwardData(res, 0, ys, w, 0, k.ws, k.p, dx, 0, k.xs);
            Conv2dKernels.backwardFilter(x, 0, k.xs, res, 0, ys, k.p, dw, 0, k.ws);
            Conv2dKernels.backwardBias(res, 0, ys, db, 0);
            double h = 1e-3;
            assertGradient("conv2d dx " + k, dx, x, h, () -> loss(k, x, w, b, t));
            assertGradient("conv2d dw " + k, dw, w, h, () -> loss(k, x, w, b, t));
            assertGradient("conv2d db " + k, db, b, h, () -> loss(k, x, w, b, t));
        }
    }

    private static double[] residual(Case k, double[] x, double[] w, double[] b, double[] t) {
        int[] ys = k.ys();
        double[] y = new double[size(ys)];
        Conv2dKernels.forward(x, 0, k.xs, w, 0, k.ws, k.p, y, 0, ys);
        int pq = ys[2] * ys[3];
        for (int i = 0; i < y.length; i++) y[i] += b[(i / pq) % ys[1]] - t[i];
        return y;
    }

    private static double loss(Case k, double[] x, double[] w, double[] b, double[] t) {
        double[] r = residual(k, x, w, b, t);
        return 0.5 * dot(r, r);
    }

    /** Compares {@code analytic} with central differences of {@code loss} in every element of {@code param}. */
    static void assertGradient(String what, double[] analytic, double[] param, double h, java.util.function.DoubleSupplier loss) {
        double[] numeric = new double[param.length];
        for (int i = 0; i < param.length; i++) {
            double saved = param[i];
            param[i] = saved + h;
            double up = loss.getAsDouble();
            param[i] = saved - h;
            double down = loss.getAsDouble();
            param[i] = saved;
            numeric[i] = (up - down) / (2 * h);
        }
        double rel = relativeError(numeric, analytic);
        assertTrue(rel < 1e-6, what + ": relative error " + rel + " of the analytic gradient against central differences");
    }

    // ---- edges ------------------------------------------------------------------------------

    @Test
    void emptyBatchGivesZeroFilterAndBiasGradients() {
        int[] xs = {0, 3, 5, 5}, ws = {4, 3, 3, 3}, ys = {0, 4, 3, 3};
        double[] dw = new double[size(ws)], db = new double[4];
        java.util.Arrays.fill(dw, Double.NaN);
        java.util.Arrays.fill(db, Double.NaN);
        Conv2dKernels.backwardFilter(new double[0], 0, xs, new double[0], 0, ys, VALID, dw, 0, ws);
        Conv2dKernels.backwardBias(new double[0], 0, ys, db, 0);
        assertArrayEquals(new double[size(ws)], dw);
        assertArrayEquals(new double[4], db);
        Conv2dKernels.forward(new double[0], 0, xs, new double[size(ws)], 0, ws, VALID, new double[0], 0, ys);
    }

    @Test
    void filterGradientIsReproducible() {
        Random rnd = new Random(3);
        Case k = c(37, 5, 6, 7, 6, 3, 3, Conv2dParams.of(1, 1));
        double[] x = random(rnd, size(k.xs)), dy = random(rnd, size(k.ys()));
        float[] xf = toFloat(x), dyf = toFloat(dy), a = new float[size(k.ws)], b = new float[size(k.ws)];
        Conv2dKernels.backwardFilter(xf, 0, k.xs, dyf, 0, k.ys(), k.p, a, 0, k.ws);
        Conv2dKernels.backwardFilter(xf, 0, k.xs, dyf, 0, k.ys(), k.p, b, 0, k.ws);
        assertArrayEquals(a, b);
        assertEquals(16, Conv2dKernels.filterChunks(37, size(k.ws)));
        assertEquals(1 + (int) (Conv2dKernels.PARTIAL_BUDGET / (512 * 512 * 9)), Conv2dKernels.filterChunks(64, 512 * 512 * 9));
    }

    static float[] toFloat(double[] a) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) r[i] = (float) a[i];
        return r;
    }
}
