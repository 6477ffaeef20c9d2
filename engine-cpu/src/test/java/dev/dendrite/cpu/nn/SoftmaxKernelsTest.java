package dev.dendrite.cpu.nn;

import static dev.dendrite.cpu.nn.NnTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SoftmaxKernelsTest {

    @Test
    void softmaxOfOneTwoThree() {
        // Σ e^(x − 3) = e^−2 + e^−1 + 1 = 1.5032147244080551, so
        // softmax = [e^−2, e^−1, 1]/1.50321... = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]
        // and log-softmax = x − 3 − log 1.50321... = x − 3.40760596444438.
        double[] y = new double[3], ly = new double[3];
        SoftmaxKernels.forward(new double[]{1, 2, 3}, 0, 1, 3, 1, false, y, 0);
        SoftmaxKernels.forward(new double[]{1, 2, 3}, 0, 1, 3, 1, true, ly, 0);
        assertArrayEquals(new double[]{0.09003057317038046, 0.24472847105479767, 0.6652409557748219}, y, 3e-16);   // ≤ 2 ulp
        assertArrayEquals(new double[]{-2.40760596444438, -1.40760596444438, -0.40760596444438}, ly, 1e-15);

        float[] yf = new float[4];
        SoftmaxKernels.forward(new float[]{0, 1, 2, 3}, 1, 1, 3, 1, false, yf, 1);
        assertArrayEquals(new float[]{0, 0.09003057f, 0.24472847f, 0.66524096f}, yf, 1e-8f);
    }

    @Test
    void softmaxAlongMiddleAxis() {
        // [outer=1, axis=3, inner=2]: column 0 is [1, 2, 3], column 1 is [0, 0, 0] (uniform 1/3).
        double[] x = {1, 0, 2, 0, 3, 0}, y = new double[6];
        SoftmaxKernels.forward(x, 0, 1, 3, 2, false, y, 0);
        double t = 1.0 / 3;
        assertArrayEquals(new double[]{0.09003057317038046, t, 0.24472847105479767, t, 0.6652409557748219, t}, y, 3e-16);
    }

    @Test
    void largeLogitsStayFinite() {
        // [1e4, 0, −1e4]: e^(x − max) = [1, e^−1e4 → 0, 0]; naive e^x would overflow to ∞ and give NaN.
        for (boolean log : new boolean[]{false, true}) {
            double[] y = new double[3];
            SoftmaxKernels.forward(new double[]{1e4, 0, -1e4}, 0, 1, 3, 1, log, y, 0);
            assertAllFinite("softmax log=" + log, y);
            assertArrayEquals(log ? new double[]{0, -1e4, -2e4} : new double[]{1, 0, 0}, y, 0);
            float[] yf = new float[3];
            SoftmaxKernels.forward(new float[]{1e4f, 0, -1e4f}, 0, 1, 3, 1, log, yf, 0);
            assertArrayEquals(log ? new float[]{0, -1e4f, -2e4f} : new float[]{1, 0, 0}, yf, 0);
        }
    }

    @Test
    void backwardByHand() {
        // y = softmax([1,2,3]) as above, dy = [1, 0, 0]: Σ dy⊙y = y0, dx = y ⊙ (dy − y0)
        //   = [y0(1 − y0), −y1·y0, −y2·y0].
        // log-softmax with dy = [1, 0, 0]: Σ dy = 1, dx = dy − softmax = [1 − y0, −y1, −y2].
        double y0 = 0.09003057317038046, y1 = 0.24472847105479767, y2 = 0.6652409557748219;
        double[] dx = new double[3];
        SoftmaxKernels.backward(new double[]{y0, y1, y2}, 0, new double[]{1, 0, 0}, 0, 1, 3, 1, false, dx, 0);
        assertArrayEquals(new double[]{y0 * (1 - y0), -y1 * y0, -y2 * y0}, dx, 1e-16);
        double[] ly = {Math.log(y0), Math.log(y1), Math.log(y2)};
        SoftmaxKernels.backward(ly, 0, new double[]{1, 0, 0}, 0, 1, 3, 1, true, dx, 0);
        assertArrayEquals(new double[]{1 - y0, -y1, -y2}, dx, 1e-15);
    }

    /** L = Σ w⊙y(x); backward with dy = w against central differences, inner = 1 and inner > 1. */
    @Test
    void backwardMatchesFiniteDifferences() {
        for (int[] shape : new int[][]{{2, 3, 4}, {3, 5, 1}, {1, 4, 3}}) {
            for (boolean log : new boolean[]{false, true}) {
                int outer = shape[0], axis = shape[1], inner = shape[2], len = outer * axis * inner;
                Random rnd = new Random(len * 2 + (log ? 1 : 0));
                double[] x = randn(rnd, len), w = randn(rnd, len);
                double[] y = new double[len], dx = new double[len];
                SoftmaxKernels.forward(x, 0, outer, axis, inner, log, y, 0);
                SoftmaxKernels.backward(y, 0, w, 0, outer, axis, inner, log, dx, 0);
                double[] numeric = numericGradient(x, 1e-5, () -> {
                    double[] yy = new double[len];
                    SoftmaxKernels.forward(x, 0, outer, axis, inner, log, yy, 0);
                    return dot(w, yy);
                });
                assertGradient((log ? "logSoftmax" : "softmax") + " [" + outer + "," + axis + "," + inner + "] dx", dx, numeric, 1e-6);
            }
        }
    }

    /** Blocked path (inner above the block width, partial last block) against a naive per-column oracle. */
    @Test
    void blockedPathMatchesNaiveOracle() {
        int outer = 3, axis = 7, inner = 300, len = outer * axis * inner;
        Random rnd = new Random(3);
        double[] x = randn(rnd, len), dy = randn(rnd, len);
        for (boolean log : new boolean[]{false, true}) {
            double[] expectY = new double[len], expectDx = new double[len];
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++) {
                    double max = Double.NEGATIVE_INFINITY, sum = 0, s = 0;
                    for (int a = 0; a < axis; a++) max = Math.max(max, x[(o * axis + a) * inner + i]);
                    for (int a = 0; a < axis; a++) sum += Math.exp(x[(o * axis + a) * inner + i] - max);
                    for (int a = 0; a < axis; a++) {
                        int p = (o * axis + a) * inner + i;
                        double sm = Math.exp(x[p] - max) / sum;
                        expectY[p] = log ? Math.log(sm) : sm;
                        s += log ? dy[p] : dy[p] * sm;
                    }
                    for (int a = 0; a < axis; a++) {
                        int p = (o * axis + a) * inner + i;
                        double sm = Math.exp(x[p] - max) / sum;
                        expectDx[p] = log ? dy[p] - sm * s : sm * (dy[p] - s);
                    }
                }
            double[] y = new double[len], dx = new double[len];
            SoftmaxKernels.forward(x, 0, outer, axis, inner, log, y, 0);
            SoftmaxKernels.backward(y, 0, dy, 0, outer, axis, inner, log, dx, 0);
            assertClose("forward log=" + log, expectY, y, 1e-14, 1e-13);
            assertClose("backward log=" + log, expectDx, dx, 1e-14, 1e-13);
        }
    }

    @Test
    void floatAgreesWithDouble() {
        for (int[] shape : new int[][]{{64, 1000, 1}, {2, 32, 3000}}) {
            int outer = shape[0], axis = shape[1], inner = shape[2], len = outer * axis * inner;
            Random rnd = new Random(len);
            float[] xf = toFloat(randn(rnd, len)), dyf = toFloat(randn(rnd, len));
            for (int i = 0; i < len; i++) xf[i] *= 4;
            double[] x = toDouble(xf), dy = toDouble(dyf);
            for (boolean log : new boolean[]{false, true}) {
                double[] y = new double[len], dx = new double[len];
                float[] yf = new float[len], dxf = new float[len];
                SoftmaxKernels.forward(x, 0, outer, axis, inner, log, y, 0);
                SoftmaxKernels.forward(xf, 0, outer, axis, inner, log, yf, 0);
                // Two float roundings at most (class Javadoc), plus absolute slack near 0 for log-softmax.
                assertClose("forward " + outer + "x" + axis + "x" + inner + " log=" + log, y, yf, 1e-6, 2.5e-7);
                SoftmaxKernels.backward(y, 0, dy, 0, outer, axis, inner, log, dx, 0);
                SoftmaxKernels.backward(yf, 0, dyf, 0, outer, axis, inner, log, dxf, 0);
                assertClose("backward " + outer + "x" + axis + "x" + inner + " log=" + log, dx, dxf, 1e-6, 1e-5);
            }
        }
    }

    @Test
    void softmaxRowsSumToOne() {
        int outer = 5, axis = 11, inner = 6, len = outer * axis * inner;
        double[] x = randn(new Random(1), len), y = new double[len];
        SoftmaxKernels.forward(x, 0, outer, axis, inner, false, y, 0);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++) {
                double s = 0;
                for (int a = 0; a < axis; a++) s += y[(o * axis + a) * inner + i];
                assertTrue(Math.abs(s - 1) < 1e-15, "column (" + o + "," + i + ") sums to " + s);
            }
    }
}
