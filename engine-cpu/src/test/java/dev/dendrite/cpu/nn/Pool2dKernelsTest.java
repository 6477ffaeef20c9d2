package dev.dendrite.cpu.nn;

import static dev.dendrite.cpu.nn.ConvTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dendrite.ops.Pool2dParams;
import dev.dendrite.ops.PoolMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Pool2dKernelsTest {

    // ---- hand-computed -----------------------------------------------------------------------

    // x = 3 3 1 5    2×2 windows, stride 2: the left window's maximum 3 occurs three times, the first
    //     3 2 5 5    (row-major) is x[0,0]; the right one's 5 occurs at x[0,3], x[1,2], x[1,3]: first is x[0,3].
    // dy = [10, 20] → dx = 10 0 0 20 / 0 0 0 0
    @Test
    void maxPoolRoutesTiesToTheFirstMaximum() {
        double[] x = {3, 3, 1, 5, 3, 2, 5, 5};
        int[] xs = {1, 1, 2, 4}, ys = {1, 1, 1, 2};
        Pool2dParams p = Pool2dParams.of(PoolMode.MAX, 2, 2, 0);
        double[] y = new double[2], dx = new double[8];
        Pool2dKernels.forward(x, 0, xs, p, y, 0, ys);
        assertArrayEquals(new double[]{3, 5}, y);
        Pool2dKernels.backward(x, 0, y, 0, new double[]{10, 20}, 0, xs, ys, p, dx, 0);
        assertArrayEquals(new double[]{10, 0, 0, 20, 0, 0, 0, 0}, dx);
    }

    // Overlapping 1×3 windows, stride 1, over x = 2 2 2 1: window 0 (2 2 2) routes to index 0,
    // window 1 (2 2 1) to index 1 — the first maximum of each window, not of the row.
    @Test
    void maxPoolTiesInOverlappingWindows() {
        double[] x = {2, 2, 2, 1};
        int[] xs = {1, 1, 1, 4}, ys = {1, 1, 1, 2};
        Pool2dParams p = new Pool2dParams(PoolMode.MAX, 1, 3, 1, 1, 0, 0);
        float[] dx = new float[4];
        Pool2dKernels.backward(toFloat(x), 0, new float[2], 0, new float[]{1, 10}, 0, xs, ys, p, dx, 0);
        assertArrayEquals(new float[]{1, 10, 0, 0}, dx);
    }

    // x = 1..9 (3×3), 2×2 windows, stride 2, padding 1. Windows (clipped to the input):
    //   (0,0): {1}            sum 1    in-bounds 1
    //   (0,1): {2, 3}         sum 5    in-bounds 2
    //   (1,0): {4, 7}         sum 11   in-bounds 2
    //   (1,1): {5, 6, 8, 9}   sum 28   in-bounds 4
    // AVG_INCLUDE_PAD divides by 4: 0.25 1.25 2.75 7;  AVG_EXCLUDE_PAD by the count: 1 2.5 5.5 7.
    // Backward with dy = 4 8 12 16: include pad spreads dy/4 = 1 2 3 4, exclude pad dy/count = 4 4 6 4:
    //   include: 1 2 2 / 3 4 4 / 3 4 4        exclude: 4 4 4 / 6 4 4 / 6 4 4
    // MAX on x = −(1..9) ignores the zero padding: −1 −2 −4 −5.
    @Test
    void averagePoolIncludeAndExcludePaddingAtTheCorners() {
        double[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, dy = {4, 8, 12, 16};
        int[] xs = {1, 1, 3, 3}, ys = {1, 1, 2, 2};
        double[] y = new double[4], dx = new double[9];

        Pool2dParams include = Pool2dParams.of(PoolMode.AVG_INCLUDE_PAD, 2, 2, 1);
        Pool2dKernels.forward(x, 0, xs, include, y, 0, ys);
        assertArrayEquals(new double[]{0.25, 1.25, 2.75, 7}, y);
        Pool2dKernels.backward(x, 0, y, 0, dy, 0, xs, ys, include, dx, 0);
        assertArrayEquals(new double[]{1, 2, 2, 3, 4, 4, 3, 4, 4}, dx);

        Pool2dParams exclude = Pool2dParams.of(PoolMode.AVG_EXCLUDE_PAD, 2, 2, 1);
        Pool2dKernels.forward(x, 0, xs, exclude, y, 0, ys);
        assertArrayEquals(new double[]{1, 2.5, 5.5, 7}, y);
        Pool2dKernels.backward(x, 0, y, 0, dy, 0, xs, ys, exclude, dx, 0);
        assertArrayEquals(new double[]{4, 4, 4, 6, 4, 4, 6, 4, 4}, dx);

        Pool2dParams max = Pool2dParams.of(PoolMode.MAX, 2, 2, 1);
        Pool2dKernels.forward(scale(x, -1), 0, xs, max, y, 0, ys);
        assertArrayEquals(new double[]{-1, -2, -4, -5}, y);
    }

    // NaN propagates like PyTorch: a window holding NaN yields NaN and routes its gradient to the
    // first NaN. x = 1 NaN 3 NaN in one 1×4 window.
    @Test
    void maxPoolPropagatesTheFirstNaN() {
        double[] x = {1, Double.NaN, 3, Double.NaN};
        int[] xs = {1, 1, 1, 4}, ys = {1, 1, 1, 1};
        Pool2dParams p = new Pool2dParams(PoolMode.MAX, 1, 4, 1, 1, 0, 0);
        double[] y = new double[1], dx = new double[4];
        Pool2dKernels.forward(x, 0, xs, p, y, 0, ys);
        assertTrue(Double.isNaN(y[0]));
        Pool2dKernels.backward(x, 0, y, 0, new double[]{7}, 0, xs, ys, p, dx, 0);
        assertArrayEquals(new double[]{0, 7, 0, 0}, dx);
    }

    // ---- oracle ------------------------------------------------------------------------------

    /** Textbook pooling: every tap of the window, bounds-tested; max keeps the first strictly greater value. */
    static double[] oracleForward(double[] x, int[] xs, Pool2dParams p, int[] ys) {
        double[] y = new double[size(ys)];
        forEachWindow(xs, p, ys, (out, taps, count) -> {
            double acc = p.mode() == PoolMode.MAX ? Double.NEGATIVE_INFINITY : 0;
            for (int t : taps) acc = p.mode() == PoolMode.MAX ? (x[t] > acc ? x[t] : acc) : acc + x[t];
            y[out] = switch (p.mode()) {
                case MAX -> acc;
                case AVG_INCLUDE_PAD -> acc / (p.kernelH() * p.kernelW());
                case AVG_EXCLUDE_PAD -> acc / count;
            };
        });
        return y;
    }

    static double[] oracleBackward(double[] x, double[] dy, int[] xs, Pool2dParams p, int[] ys) {
        double[] dx = new double[size(xs)];
        forEachWindow(xs, p, ys, (out, taps, count) -> {
            switch (p.mode()) {
                case MAX -> {
                    int best = taps.get(0);
                    for (int t : taps) if (x[t] > x[best]) best = t;
                    dx[best] += dy[out];
                }
                case AVG_INCLUDE_PAD -> taps.forEach(t -> dx[t] += dy[out] / (p.kernelH() * p.kernelW()));
                case AVG_EXCLUDE_PAD -> taps.forEach(t -> dx[t] += dy[out] / count);
            }
        });
        return dx;
    }

    interface WindowBody {
        void window(int out, List<Integer> inBoundsTaps, int count);
    }

    private static void forEachWindow(int[] xs, Pool2dParams p, int[] ys, WindowBody body) {
        int H = xs[2], W = xs[3], P = ys[2], Q = ys[3];
        for (int plane = 0; plane < xs[0] * xs[1]; plane++)
            for (int i = 0; i < P; i++)
                for (int j = 0; j < Q; j++) {
                    List<Integer> taps = new ArrayList<>();
                    for (int r = 0; r < p.kernelH(); r++)
                        for (int s = 0; s < p.kernelW(); s++) {
                            int h = i * p.strideH() - p.padH() + r, w = j * p.strideW() - p.padW() + s;
                            if (h >= 0 && h < H && w >= 0 && w < W) taps.add((plane * H + h) * W + w);
                        }
                    body.window((plane * P + i) * Q + j, taps, taps.size());
                }
    }

    private static int[] outShape(int[] xs, Pool2dParams p) {
        return new int[]{xs[0], xs[1], Pool2dParams.outputSize(xs[2], p.kernelH(), p.strideH(), p.padH()),
                Pool2dParams.outputSize(xs[3], p.kernelW(), p.strideW(), p.padW())};
    }

    private record Case(int[] xs, Pool2dParams p) {
        @Override
        public String toString() {
            return "pool2d x" + shape(xs) + " " + p;
        }
    }

    private static List<Case> cases() {
        List<Case> l = new ArrayList<>();
        for (PoolMode m : PoolMode.values()) {
            l.add(new Case(new int[]{2, 3, 7, 9}, new Pool2dParams(m, 3, 2, 2, 1, 1, 1)));   // non-square, overlapping
            l.add(new Case(new int[]{1, 5, 8, 8}, Pool2dParams.of(m, 2, 2, 0)));             // classic 2×2/2
            l.add(new Case(new int[]{3, 2, 11, 6}, new Pool2dParams(m, 3, 3, 3, 2, 2, 1)));  // pad = kernel − 1
            l.add(new Case(new int[]{1, 1, 5, 7}, new Pool2dParams(m, 2, 1, 4, 3, 1, 0)));   // stride > kernel
        }
        return l;
    }

    @Test
    void randomCasesMatchTheOracleInBothPrecisions() {
        Random rnd = new Random(17);
        for (Case k : cases()) {
            int[] ys = outShape(k.xs, k.p);
            int nx = size(k.xs), ny = size(ys);
            double[] x = random(rnd, nx), dy = random(rnd, ny);
            double[] y0 = oracleForward(x, k.xs, k.p, ys), dx0 = oracleBackward(x, dy, k.xs, k.p, ys);

            double[] y = output(3, ny), dx = output(5, nx);
            Pool2dKernels.forward(embed(x, 2), 2, k.xs, k.p, y, 3, ys);
            Pool2dKernels.backward(embed(x, 2), 2, embed(y0, 4), 4, embed(dy, 1), 1, k.xs, ys, k.p, dx, 5);
            double[] yd = extract(k + " float64 forward", y, 3, ny), dxd = extract(k + " float64 backward", dx, 5, nx);

            float[] yf = outputFloat(3, ny), dxf = outputFloat(5, nx);
            Pool2dKernels.forward(embedFloat(x, 2), 2, k.xs, k.p, yf, 3, ys);
            Pool2dKernels.backward(embedFloat(x, 2), 2, embedFloat(y0, 4), 4, embedFloat(dy, 1), 1, k.xs, ys, k.p, dxf, 5);
            double[] yff = extract(k + " float32 forward", yf, 3, ny), dxff = extract(k + " float32 backward", dxf, 5, nx);

            // Each output is a sum of at most kh·kw inputs (then one division); each dx element a sum
            // of at most kh·kw routed or divided gradients. Max pooling itself is exact.
            long terms = (long) k.p.kernelH() * k.p.kernelW() + 1;
            double[] ySums = oracleForward(abs(x), k.xs, k.p, ys), dxSums = oracleBackward(x, abs(dy), k.xs, k.p, ys);
            assertWithin(k + " float64 forward", y0, yd, sumBound(ySums, terms, 2 * U_DOUBLE));
            assertWithin(k + " float64 backward", dx0, dxd, sumBound(dxSums, terms, 2 * U_DOUBLE));
            assertWithin(k + " float32 forward", y0, yff, sumBound(ySums, terms, 2 * U_FLOAT));
            assertWithin(k + " float32 backward", dx0, dxff, sumBound(dxSums, terms, 2 * U_FLOAT));
            if (k.p.mode() == PoolMode.MAX) assertExactly(k + " float32 max forward", y0, yff);
        }
    }

    /** Average pooling is linear: ⟨pool(x), dy⟩ = ⟨x, backward(dy)⟩. */
    @Test
    void averagePoolBackwardIsTheAdjoint() {
        Random rnd = new Random(19);
        for (Case k : cases()) {
            if (k.p.mode() == PoolMode.MAX) continue;
            int[] ys = outShape(k.xs, k.p);
            double[] x = random(rnd, size(k.xs)), dy = random(rnd, size(ys));
            double[] y = new double[size(ys)], dx = new double[size(k.xs)];
            Pool2dKernels.forward(x, 0, k.xs, k.p, y, 0, ys);
            Pool2dKernels.backward(x, 0, y, 0, dy, 0, k.xs, ys, k.p, dx, 0);
            double a = dot(y, dy), b = dot(x, dx);
            assertEquals(a, b, 1e-12 * dot(abs(y), abs(dy)) + 1e-300, k.toString());
        }
    }

    /** Central differences of {@code L = ⟨pool(x), g⟩}, all modes; max pooling on well-separated values so no step changes a winner. */
    @Test
    void backwardMatchesCentralDifferences() {
        Random rnd = new Random(23);
        for (Case k : cases()) {
            int[] ys = outShape(k.xs, k.p);
            int nx = size(k.xs);
            double[] x = new double[nx];
            List<Integer> perm = new ArrayList<>();
            for (int i = 0; i < nx; i++) perm.add(i);
            java.util.Collections.shuffle(perm, rnd);
            for (int i = 0; i < nx; i++) x[i] = (perm.get(i) - nx / 2) * 0.01; // distinct, gaps of 0.01
            double[] g = random(rnd, size(ys)), dx = new double[nx];
            Pool2dKernels.backward(x, 0, new double[size(ys)], 0, g, 0, k.xs, ys, k.p, dx, 0);
            Conv2dKernelsTest.assertGradient(k + " backward", dx, x, 1e-4, () -> {
                double[] y = new double[size(ys)];
                Pool2dKernels.forward(x, 0, k.xs, k.p, y, 0, ys);
                return dot(y, g);
            });
        }
    }

    private static float[] toFloat(double[] a) {
        return Conv2dKernelsTest.toFloat(a);
    }
}
