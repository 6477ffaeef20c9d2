package dev.dendrite.cpu.nn;

import static dev.dendrite.cpu.nn.ConvTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dendrite.ops.UpsampleMode;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UpsampleKernelsTest {
    private static final double[] X = {1, 2, 3, 4};
    private static final int[] XS = {1, 1, 2, 2};
    private static final double[] DY = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    @Test
    void nearestByHand() {
        double[] y = new double[16], dx = new double[4];
        UpsampleKernels.forward(UpsampleMode.NEAREST, X, 0, XS, y, 0);
        assertArrayEquals(new double[]{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, y);
        // each dx is the sum of its 2×2 block of dy: 1+2+5+6, 3+4+7+8, 9+10+13+14, 11+12+15+16
        UpsampleKernels.backward(UpsampleMode.NEAREST, DY, 0, XS, dx, 0);
        assertArrayEquals(new double[]{14, 22, 46, 54}, dx);
    }

    // Along one dimension of size 2, output d reads src = max(0, (d + 0.5)/2 − 0.5):
    //   d=0: src 0 (clamped from −0.25) → a;  d=1: 0.25 → ¾a + ¼b;  d=2: 0.75 → ¼a + ¾b;
    //   d=3: 1.25 → rows 1 and min(2, 1) = 1 → b.
    // So [a, b] ↦ [a, ¾a+¼b, ¼a+¾b, b]; rows 1 2 → 1 1.25 1.75 2 and 3 4 → 3 3.25 3.75 4, then
    // down the columns the same weights give the middle rows 1.5 1.75 2.25 2.5 and 2.5 2.75 3.25 3.5.
    // Backward with dy = 1..16: along columns, row d of dy [4d+1 .. 4d+4] ↦ [8d + 3.25, 8d + 6.75];
    // along rows with the same weights: dx[0,·] = r0 + ¾r1 + ¼r2 = 16.5 23.5, dx[1,·] = ¼r1 + ¾r2 + r3 = 44.5 51.5.
    @Test
    void bilinearByHand() {
        double[] y = new double[16], dx = new double[4];
        UpsampleKernels.forward(UpsampleMode.BILINEAR, X, 0, XS, y, 0);
        assertArrayEquals(new double[]{1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4}, y);
        UpsampleKernels.backward(UpsampleMode.BILINEAR, DY, 0, XS, dx, 0);
        assertArrayEquals(new double[]{16.5, 23.5, 44.5, 51.5}, dx);
        float[] yf = new float[16];
        UpsampleKernels.forward(UpsampleMode.BILINEAR, new float[]{1, 2, 3, 4}, 0, XS, yf, 0);
        assertArrayEquals(new float[]{1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4}, yf);
    }

    /** PyTorch's formula evaluated per output element, in double. */
    static double[] oracle(UpsampleMode mode, double[] x, int[] xs) {
        int H = xs[2], W = xs[3];
        double[] y = new double[4 * size(xs)];
        for (int plane = 0; plane < xs[0] * xs[1]; plane++)
            for (int d = 0; d < 2 * H; d++)
                for (int e = 0; e < 2 * W; e++) {
                    double v;
                    if (mode == UpsampleMode.NEAREST) {
                        v = x[(plane * H + d / 2) * W + e / 2];
                    } else {
                        double sh = Math.max(0, (d + 0.5) * 0.5 - 0.5), sw = Math.max(0, (e + 0.5) * 0.5 - 0.5);
                        int h0 = (int) Math.floor(sh), w0 = (int) Math.floor(sw);
                        int h1 = Math.min(h0 + 1, H - 1), w1 = Math.min(w0 + 1, W - 1);
                        double lh = sh - h0, lw = sw - w0;
                        v = (1 - lh) * ((1 - lw) * x[(plane * H + h0) * W + w0] + lw * x[(plane * H + h0) * W + w1])
                                + lh * ((1 - lw) * x[(plane * H + h1) * W + w0] + lw * x[(plane * H + h1) * W + w1]);
                    }
                    y[(plane * 2 * H + d) * 2 * W + e] = v;
                }
        return y;
    }

    private static final List<int[]> SHAPES = List.of(new int[]{2, 3, 5, 7}, new int[]{1, 2, 1, 4}, new int[]{3, 1, 6, 1},
            new int[]{1, 1, 1, 1}, new int[]{2, 5, 8, 3});

    @Test
    void randomShapesMatchTheOracleInBothPrecisions() {
        Random rnd = new Random(29);
        for (UpsampleMode mode : UpsampleMode.values())
            for (int[] xs : SHAPES) {
                String what = "upsample2x " + mode + " x" + shape(xs);
                int nx = size(xs), ny = 4 * nx;
                double[] x = random(rnd, nx), expected = oracle(mode, x, xs);
                double[] y = output(3, ny);
                UpsampleKernels.forward(mode, embed(x, 2), 2, xs, y, 3);
                float[] yf = outputFloat(3, ny);
                UpsampleKernels.forward(mode, embedFloat(x, 2), 2, xs, yf, 3);
                // at most 4 products with exact weights and 3 additions
                double[] sums = oracle(mode, abs(x), xs);
                assertWithin(what + " float64", expected, extract(what, y, 3, ny), sumBound(sums, 4, 2 * U_DOUBLE));
                assertWithin(what + " float32", expected, extract(what, yf, 3, ny), sumBound(sums, 4, 2 * U_FLOAT));

                // the backward pass is the adjoint: ⟨up(x), dy⟩ = ⟨x, up*(dy)⟩, in float64 and float32
                double[] dy = random(rnd, ny), dx = output(1, nx);
                UpsampleKernels.backward(mode, embed(dy, 4), 4, xs, dx, 1);
                double[] dxd = extract(what + " backward", dx, 1, nx);
                assertEquals(dot(expected, dy), dot(x, dxd), 1e-13 * dot(sums, abs(dy)), what + " adjoint");
                float[] dxf = outputFloat(1, nx);
                UpsampleKernels.backward(mode, embedFloat(dy, 4), 4, xs, dxf, 1);
                // each dx element gathers at most 16 weighted dy (4×4 footprint per input element)
                double[] dxSums = new double[nx];
                UpsampleKernels.backward(mode, abs(dy), 0, xs, dxSums, 0);
                assertWithin(what + " float32 backward", dxd, extract(what, dxf, 1, nx), sumBound(dxSums, 32, 2 * U_FLOAT));
            }
    }

    /** Central differences of {@code L = ⟨up(x), g⟩} for both modes. */
    @Test
    void backwardMatchesCentralDifferences() {
        Random rnd = new Random(31);
        for (UpsampleMode mode : UpsampleMode.values())
            for (int[] xs : SHAPES) {
                double[] x = random(rnd, size(xs)), g = random(rnd, 4 * size(xs)), dx = new double[size(xs)];
                UpsampleKernels.backward(mode, g, 0, xs, dx, 0);
                Conv2dKernelsTest.assertGradient("upsample2x " + mode + " x" + shape(xs), dx, x, 1e-3, () -> {
                    double[] y = new double[4 * size(xs)];
                    UpsampleKernels.forward(mode, x, 0, xs, y, 0);
                    return dot(y, g);
                });
            }
    }
}
