package dev.dendrite.cpu.nn;

import static dev.dendrite.cpu.nn.ConvTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dendrite.cpu.gemm.Gemm;
import dev.dendrite.ops.Conv2dParams;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The direct convolution kernels (Note [Direct convolution]) against the textbook loops of
 * {@link ConvOracle}, called directly so that each geometry is known to take this path. The
 * geometries cover what the kernels special-case: output rows narrower and wider than a vector
 * (and not a multiple of it), channel counts that leave partial register tiles, kernel rows wider
 * than the 5-tap filter tile, dilation, asymmetric padding, and LeNet-5's two layers.
 */
class DirectConv2dTest {
    /** x shape, weight shape, parameters. */
    private record Case(int[] xs, int[] ws, Conv2dParams p) {
        int[] ys() {
            return ConvOracle.outputShape(xs, ws, p);
        }

        ConvGeometry geometry() {
            return new ConvGeometry(xs, ws, ys(), p);
        }

        @Override
        public String toString() {
            return "x" + shape(xs) + " w" + shape(ws) + " " + p;
        }
    }

    private static Case c(int n, int ch, int h, int w, int k, int r, int s, Conv2dParams p) {
        return new Case(new int[]{n, ch, h, w}, new int[]{k, ch, r, s}, p);
    }

    private static final Case[] CASES = {
            c(4, 1, 28, 28, 6, 5, 5, Conv2dParams.of(1, 2)),                    // LeNet-5 conv1: Q = 28 > L, K < 8
            c(3, 6, 14, 14, 16, 5, 5, Conv2dParams.defaults()),                 // LeNet-5 conv2: Q = 10 < L
            c(2, 2, 9, 37, 9, 3, 3, Conv2dParams.of(1, 1)),                     // Q = 37: a shifted last chunk; K = 9
            c(2, 3, 11, 12, 5, 3, 7, new Conv2dParams(1, 1, 2, 3, 2, 1, 1)),    // S = 7 > 5 taps; dilation; asymmetric padding
            c(1, 3, 6, 5, 1, 3, 1, new Conv2dParams(1, 1, 1, 0, 1, 1, 1)),      // one output channel, 3×1 kernel
            c(2, 4, 5, 3, 3, 2, 3, Conv2dParams.defaults()),                    // Q = 1
            c(5, 2, 8, 20, 4, 3, 3, new Conv2dParams(1, 1, 0, 1, 3, 2, 1)),     // dilation 3×2, no row padding
    };

    private static float[] f(double[] a) {
        return Conv2dKernelsTest.toFloat(a);
    }

    private static double[] d(float[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
    }

    @Test
    void matchesTheTextbookLoops() {
        assumeTrue(Gemm.isVectorized(), "the direct kernels need jdk.incubator.vector");
        Random rnd = new Random(21);
        for (Case k : CASES) {
            ConvGeometry g = k.geometry();
            assertTrue(DirectConv2d.applies(g), "not a direct-path case: " + k);
            int[] ys = k.ys();
            double[] x = random(rnd, size(k.xs)), w = random(rnd, size(k.ws)), dy = random(rnd, size(ys));
            double[] ax = abs(x), aw = abs(w), ady = abs(dy);
            long crs = (long) k.ws[1] * k.ws[2] * k.ws[3], krs = (long) k.ws[0] * k.ws[2] * k.ws[3], npq = (long) ys[0] * ys[2] * ys[3];

            float[] y = outputFloat(3, size(ys));
            DirectConv2d.forward(embedFloat(x, 2), 2, embedFloat(w, 1), 1, g, y, 3);
            assertWithin("direct forward " + k, ConvOracle.forward(x, k.xs, w, k.ws, k.p),
                    extract("direct forward " + k, y, 3, size(ys)), sumBound(ConvOracle.forward(ax, k.xs, aw, k.ws, k.p), crs, U_FLOAT));

            float[] dw = outputFloat(2, size(k.ws));
            DirectConv2d.backwardFilter(embedFloat(x, 1), 1, embedFloat(dy, 4), 4, g, dw, 2);
            assertWithin("direct backwardFilter " + k, ConvOracle.backwardFilter(x, k.xs, dy, ys, k.p, k.ws),
                    extract("direct backwardFilter " + k, dw, 2, size(k.ws)),
                    sumBound(ConvOracle.backwardFilter(ax, k.xs, ady, ys, k.p, k.ws), npq, U_FLOAT));

            if (DirectConv2d.appliesToBackwardData(g)) {
                float[] dx = outputFloat(5, size(k.xs));
                DirectConv2d.backwardData(embedFloat(dy, 3), 3, embedFloat(w, 2), 2, g, dx, 5);
                assertWithin("direct backwardData " + k, ConvOracle.backwardData(dy, ys, w, k.ws, k.p, k.xs),
                        extract("direct backwardData " + k, dx, 5, size(k.xs)),
                        sumBound(ConvOracle.backwardData(ady, ys, aw, k.ws, k.p, k.xs), krs, U_FLOAT));
            }
        }
    }

    /** LeNet-5's layers qualify for backward data too; a padding wider than the kernel reach does not. */
    @Test
    void backwardDataNeedsPaddingWithinTheKernelReach() {
        assumeTrue(Gemm.isVectorized(), "the direct kernels need jdk.incubator.vector");
        assertTrue(DirectConv2d.appliesToBackwardData(CASES[0].geometry()));
        assertTrue(DirectConv2d.appliesToBackwardData(CASES[1].geometry()));
        Case wide = c(1, 2, 6, 6, 3, 3, 3, Conv2dParams.of(1, 3));   // pad 3 > dil·(k − 1) = 2
        assertEquals(false, DirectConv2d.appliesToBackwardData(wide.geometry()));
        Case strided = c(1, 2, 6, 6, 3, 3, 3, Conv2dParams.of(2, 1));
        assertEquals(false, DirectConv2d.applies(strided.geometry()));
    }

    /** Each filter-gradient element is summed by one task in a fixed order: same bits on every call. */
    @Test
    void filterGradientIsReproducible() {
        assumeTrue(Gemm.isVectorized(), "the direct kernels need jdk.incubator.vector");
        Random rnd = new Random(22);
        Case k = CASES[2];
        float[] x = f(random(rnd, size(k.xs))), dy = f(random(rnd, size(k.ys())));
        float[] a = new float[size(k.ws)], b = new float[size(k.ws)];
        DirectConv2d.backwardFilter(x, 0, dy, 0, k.geometry(), a, 0);
        DirectConv2d.backwardFilter(x, 0, dy, 0, k.geometry(), b, 0);
        assertArrayEquals(a, b);
    }

    /**
     * An infinite input gives the textbook's non-finite pattern in the filter gradient: the lanes past
     * the last output column are masked, so they add exact zeros rather than 0·∞ = NaN.
     */
    @Test
    void infiniteInputsGiveTheTextbookNonFinitePattern() {
        assumeTrue(Gemm.isVectorized(), "the direct kernels need jdk.incubator.vector");
        Random rnd = new Random(23);
        for (Case k : new Case[]{CASES[1], CASES[2]}) {
            double[] x = random(rnd, size(k.xs)), dy = random(rnd, size(k.ys()));
            for (int i = 0; i < dy.length; i++) dy[i] = Math.abs(dy[i]) + 0.5;   // positive, so products with +∞ stay +∞
            x[x.length - 1] = Double.POSITIVE_INFINITY;                            // the last column: read only by tail lanes elsewhere
            float[] dw = new float[size(k.ws)];
            DirectConv2d.backwardFilter(f(x), 0, f(dy), 0, k.geometry(), dw, 0);
            double[] expected = ConvOracle.backwardFilter(x, k.xs, dy, k.ys(), k.p, k.ws);
            for (int i = 0; i < dw.length; i++) {
                String what = "backwardFilter " + k + " dw[" + i + "] = " + dw[i] + ", textbook " + expected[i];
                if (Double.isInfinite(expected[i])) assertEquals(expected[i], dw[i], what);
                else assertTrue(Float.isFinite(dw[i]), what);
            }
        }
    }

    /** Forward through {@link Conv2dKernels} picks this path and agrees with it exactly. */
    @Test
    void conv2dKernelsRoutesHere() {
        assumeTrue(Gemm.isVectorized(), "the direct kernels need jdk.incubator.vector");
        Random rnd = new Random(24);
        Case k = CASES[0];
        float[] x = f(random(rnd, size(k.xs))), w = f(random(rnd, size(k.ws)));
        float[] viaKernels = new float[size(k.ys())], direct = new float[size(k.ys())];
        Conv2dKernels.forward(x, 0, k.xs, w, 0, k.ws, k.p, viaKernels, 0, k.ys());
        DirectConv2d.forward(x, 0, w, 0, k.geometry(), direct, 0);
        assertArrayEquals(direct, viaKernels);
        assertTrue(maxAbs(d(direct)) > 0.1);
    }
}
