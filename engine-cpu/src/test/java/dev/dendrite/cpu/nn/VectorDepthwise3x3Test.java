package dev.dendrite.cpu.nn;

import static dev.dendrite.cpu.nn.ConvTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dendrite.cpu.gemm.Gemm;
import dev.dendrite.ops.Conv2dParams;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The vector depthwise 3×3 kernels (Note [Vector depthwise 3×3]) against the textbook loops of
 * {@link ConvOracle}: rows exactly one vector wide, wider and not a multiple (the shifted last
 * vector), padding 0, 1 and asymmetric, dilation 2, several channels and images.
 */
class VectorDepthwise3x3Test {
    private record Case(int[] xs, Conv2dParams p) {
        int[] ws() {
            return new int[]{xs[1], 1, 3, 3};
        }

        int[] ys() {
            return ConvOracle.outputShape(xs, ws(), p);
        }

        ConvGeometry geometry() {
            return new ConvGeometry(xs, ws(), ys(), p);
        }

        @Override
        public String toString() {
            return "x" + shape(xs) + " " + p;
        }
    }

    private static Case c(int n, int ch, int h, int w, Conv2dParams p) {
        return new Case(new int[]{n, ch, h, w}, p.withGroups(ch));
    }

    /** The vector width; only read once a test has assumed the module is present. */
    private static int lanes() {
        return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    }

    private static Case[] cases() {
        int L = lanes();
        return new Case[]{
                c(2, 3, 5, L, Conv2dParams.of(1, 1)),                        // one vector per row
                c(3, 2, 6, L + 5, Conv2dParams.of(1, 1)),                    // a shifted last vector
                c(2, 4, 7, 2 * L + 3, Conv2dParams.defaults()),              // no padding: Q = W − 2
                c(1, 3, 9, L + 7, new Conv2dParams(1, 1, 2, 2, 2, 2, 1)),    // dilation 2, padding 2
                c(2, 2, 6, L + 4, new Conv2dParams(1, 1, 1, 0, 1, 1, 1)),    // padding only along rows
                c(4, 32, 6, 56, Conv2dParams.of(1, 1)),                      // MobileNet-like width
        };
    }

    @Test
    void matchesTheTextbookLoops() {
        assumeTrue(Gemm.isVectorized(), "the vector kernels need jdk.incubator.vector");
        Random rnd = new Random(31);
        for (Case k : cases()) {
            ConvGeometry g = k.geometry();
            assertTrue(VectorDepthwise3x3.applies(g), "not a vector-depthwise case: " + k);
            int[] ws = k.ws(), ys = k.ys();
            double[] x = random(rnd, size(k.xs)), w = random(rnd, size(ws)), dy = random(rnd, size(ys));
            double[] ax = abs(x), aw = abs(w), ady = abs(dy);
            long npq = (long) ys[0] * ys[2] * ys[3];

            float[] y = outputFloat(3, size(ys));
            VectorDepthwise3x3.forward(embedFloat(x, 2), 2, embedFloat(w, 1), 1, g, y, 3);
            assertWithin("depthwise forward " + k, ConvOracle.forward(x, k.xs, w, ws, k.p), extract("forward " + k, y, 3, size(ys)),
                    sumBound(ConvOracle.forward(ax, k.xs, aw, ws, k.p), 9, U_FLOAT));

            float[] dw = outputFloat(2, size(ws));
            VectorDepthwise3x3.backwardFilter(embedFloat(x, 1), 1, embedFloat(dy, 4), 4, g, dw, 2);
            assertWithin("depthwise backwardFilter " + k, ConvOracle.backwardFilter(x, k.xs, dy, ys, k.p, ws),
                    extract("backwardFilter " + k, dw, 2, size(ws)), sumBound(ConvOracle.backwardFilter(ax, k.xs, ady, ys, k.p, ws), npq, U_FLOAT));

            if (VectorDepthwise3x3.appliesToBackwardData(g)) {
                float[] dx = outputFloat(5, size(k.xs));
                VectorDepthwise3x3.backwardData(embedFloat(dy, 3), 3, embedFloat(w, 2), 2, g, dx, 5);
                assertWithin("depthwise backwardData " + k, ConvOracle.backwardData(dy, ys, w, ws, k.p, k.xs),
                        extract("backwardData " + k, dx, 5, size(k.xs)), sumBound(ConvOracle.backwardData(ady, ys, aw, ws, k.p, k.xs), 9, U_FLOAT));
            }
        }
    }

    @Test
    void narrowRowsAndOtherKernelsTakeAnotherPath() {
        assumeTrue(Gemm.isVectorized(), "the vector kernels need jdk.incubator.vector");
        int L = lanes();
        assertFalse(VectorDepthwise3x3.applies(c(1, 2, 5, L - 1, Conv2dParams.of(1, 1)).geometry()));   // Q < L
        assertFalse(VectorDepthwise3x3.applies(c(1, 2, 5, 40, Conv2dParams.of(2, 1)).geometry()));      // strided
        Case multiplier = new Case(new int[]{1, 2, 5, 40}, Conv2dParams.of(1, 1).withGroups(2));
        assertFalse(VectorDepthwise3x3.applies(new ConvGeometry(multiplier.xs, new int[]{4, 1, 3, 3},
                ConvOracle.outputShape(multiplier.xs, new int[]{4, 1, 3, 3}, multiplier.p), multiplier.p)));  // K = 2·C
        assertFalse(VectorDepthwise3x3.appliesToBackwardData(c(1, 2, 8, 40, Conv2dParams.of(1, 3)).geometry()));  // pad 3 > 2
    }

    @Test
    void filterGradientIsReproducibleAndNaNFreeWithInfiniteInputs() {
        assumeTrue(Gemm.isVectorized(), "the vector kernels need jdk.incubator.vector");
        Random rnd = new Random(32);
        Case k = cases()[1];
        double[] x = random(rnd, size(k.xs)), dy = random(rnd, size(k.ys()));
        for (int i = 0; i < dy.length; i++) dy[i] = Math.abs(dy[i]) + 0.5;
        float[] a = new float[size(k.ws())], b = new float[size(k.ws())];
        VectorDepthwise3x3.backwardFilter(Conv2dKernelsTest.toFloat(x), 0, Conv2dKernelsTest.toFloat(dy), 0, k.geometry(), a, 0);
        VectorDepthwise3x3.backwardFilter(Conv2dKernelsTest.toFloat(x), 0, Conv2dKernelsTest.toFloat(dy), 0, k.geometry(), b, 0);
        assertArrayEquals(a, b);
        // +∞ in a column that the shifted last vector reads in lanes it must skip: the textbook gives +∞ or a finite value, never NaN.
        int w = k.xs[3];
        x[w - lanes() + 2] = Double.POSITIVE_INFINITY;
        VectorDepthwise3x3.backwardFilter(Conv2dKernelsTest.toFloat(x), 0, Conv2dKernelsTest.toFloat(dy), 0, k.geometry(), a, 0);
        double[] expected = ConvOracle.backwardFilter(x, k.xs, dy, k.ys(), k.p, k.ws());
        for (int i = 0; i < a.length; i++) {
            String what = "dw[" + i + "] = " + a[i] + ", textbook " + expected[i];
            if (Double.isInfinite(expected[i])) assertEquals(expected[i], a[i], what);
            else assertTrue(Float.isFinite(a[i]), what);
        }
    }
}
