package dev.dendrite.cpu.nn;

import static dev.dendrite.cpu.nn.NnTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dendrite.ops.CrossEntropyParams;
import dev.dendrite.ops.Reduction;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LossKernelsTest {
    private static final long IGNORE = -100;

    // Three samples over C = 3 classes, smoothing ε = 0.1, sample 2 ignored:
    //   row 0: x = [1, 2, 3], label 2. log-softmax = x − 3.40760596444438 = [−2.4076, −1.4076, −0.4076].
    //          target t = [ε/3, ε/3, 0.9 + ε/3] = [0.0333, 0.0333, 0.9333].
    //          loss0 = 0.9·0.40760596444438 + (0.1/3)·(2.4076 + 1.4076 + 0.4076) = 0.36684536800 + 0.14076059644
    //                = 0.5076059644443801.
    //   row 1: x = [0, 0, 0], label 0. log-softmax = −ln 3 everywhere, target sums to 1: loss1 = ln 3 = 1.0986122886681098.
    //   row 2: ignored (label −100), its logits are arbitrary.
    //   MEAN over the 2 counted samples: (0.5076059644443801 + 1.0986122886681098)/2 = 0.8031091265562449.
    //   dlogits (MEAN) = (softmax − t)/2:
    //     row 0: ([0.0900306, 0.2447285, 0.6652410] − [0.0333, 0.0333, 0.9333])/2
    //          = [0.028348619918523565, 0.10569756886073217, −0.13404618877925573]
    //     row 1: ([1/3, 1/3, 1/3] − [0.9333, 0.0333, 0.0333])/2 = [−0.3, 0.15, 0.15]
    //     row 2: 0.
    private static final double[] LOGITS = {1, 2, 3, 0, 0, 0, 50, -7, 2};
    private static final double LOSS0 = 0.5076059644443801, LOSS1 = 1.0986122886681098;
    private static final double[] GRAD_MEAN = {0.028348619918523565, 0.10569756886073217, -0.13404618877925573,
            -0.3, 0.15, 0.15, 0, 0, 0};

    private static CrossEntropyParams params(Reduction r) {
        return new CrossEntropyParams(r, IGNORE, 0.1);
    }

    @Test
    void smoothedWithIgnoredSampleWorkedByHand() {
        double[] loss = new double[1], d = new double[9];
        LossKernels.softmaxCrossEntropy(LOGITS, 0, 3, 3, new long[]{2, 0, IGNORE}, 0, params(Reduction.MEAN), loss, 0, d, 0);
        assertEquals(0.8031091265562449, loss[0], 1e-15);
        assertArrayEquals(GRAD_MEAN, d, 1e-15);

        LossKernels.softmaxCrossEntropy(LOGITS, 0, 3, 3, new int[]{2, 0, (int) IGNORE}, 0, params(Reduction.SUM), loss, 0, d, 0);
        assertEquals(LOSS0 + LOSS1, loss[0], 1e-15);
        for (int i = 0; i < 9; i++) assertEquals(2 * GRAD_MEAN[i], d[i], 1e-15, "SUM grad " + i);

        double[] per = new double[3];
        LossKernels.softmaxCrossEntropy(LOGITS, 0, 3, 3, new long[]{2, 0, IGNORE}, 0, params(Reduction.NONE), per, 0, null, 0);
        assertArrayEquals(new double[]{LOSS0, LOSS1, 0}, per, 1e-15);
    }

    @Test
    void floatWithOffsetsAndIntLabels() {
        float[] logits = new float[11];
        for (int i = 0; i < 9; i++) logits[2 + i] = (float) LOGITS[i];
        float[] loss = {9, 9}, d = new float[10];
        LossKernels.softmaxCrossEntropy(logits, 2, 3, 3, new int[]{5, 2, 0, (int) IGNORE}, 1, params(Reduction.MEAN), loss, 1, d, 1);
        assertEquals(9f, loss[0], 0);
        assertEquals(0.8031091265562449, loss[1], 1e-7);
        assertEquals(0f, d[0], 0);
        for (int i = 0; i < 9; i++) assertEquals(GRAD_MEAN[i], d[1 + i], 1e-7, "grad " + i);
    }

    @Test
    void noSmoothingIsNegativeLogSoftmaxOfTheLabel() {
        // ε = 0: loss = lse − x_label = 3.40760596444438 − 1 for x = [1, 2, 3], label 0; grad = softmax − onehot.
        double[] loss = new double[1], d = new double[3];
        LossKernels.softmaxCrossEntropy(new double[]{1, 2, 3}, 0, 1, 3, new int[]{0}, 0, CrossEntropyParams.mean(), loss, 0, d, 0);
        assertEquals(2.40760596444438, loss[0], 1e-15);
        assertArrayEquals(new double[]{0.09003057317038046 - 1, 0.24472847105479767, 0.6652409557748219}, d, 1e-15);
    }

    @Test
    void allIgnoredMeanIsZeroLossAndZeroGradient() {
        // Note [Cross-entropy mean over zero samples]: 0, not NaN.
        double[] loss = {7}, d = {7, 7, 7, 7};
        LossKernels.softmaxCrossEntropy(new double[]{1, 2, 3, 4}, 0, 2, 2, new long[]{IGNORE, IGNORE}, 0,
                params(Reduction.MEAN), loss, 0, d, 0);
        assertEquals(0, loss[0], 0);
        assertArrayEquals(new double[4], d, 0);
    }

    @Test
    void ignoreIndexThatIsAValidClassIsStillIgnored() {
        // ignoreIndex 1: sample 0 (label 1) is skipped, sample 1 (label 0) counts alone: x = [0, 0] → ln 2.
        double[] loss = new double[1];
        LossKernels.softmaxCrossEntropy(new double[]{5, -5, 0, 0}, 0, 2, 2, new int[]{1, 0}, 0,
                new CrossEntropyParams(Reduction.MEAN, 1, 0), loss, 0, null, 0);
        assertEquals(Math.log(2), loss[0], 1e-15);
    }

    /** MEAN with smoothing and an ignored sample: dlogits against central differences of the loss. */
    @Test
    void gradientMatchesFiniteDifferences() {
        int n = 5, c = 7;
        Random rnd = new Random(9);
        double[] x = randn(rnd, n * c);
        for (int i = 0; i < x.length; i++) x[i] *= 3;
        long[] labels = {3, IGNORE, 0, 6, 3};
        for (Reduction r : Reduction.values()) {
            if (r == Reduction.NONE) continue;   // NONE has no scalar loss; its rows are SUM's rows
            CrossEntropyParams p = params(r);
            double[] loss = new double[1], d = new double[n * c];
            LossKernels.softmaxCrossEntropy(x, 0, n, c, labels, 0, p, loss, 0, d, 0);
            double[] numeric = numericGradient(x, 1e-5, () -> {
                double[] l = new double[1];
                LossKernels.softmaxCrossEntropy(x, 0, n, c, labels, 0, p, l, 0, null, 0);
                return l[0];
            });
            assertGradient("crossEntropy " + r + " dlogits", d, numeric, 1e-6);
        }
        // NONE: per-sample gradients are the SUM gradients row by row, and the losses sum to SUM's loss.
        double[] per = new double[n], dNone = new double[n * c], sum = new double[1], dSum = new double[n * c];
        LossKernels.softmaxCrossEntropy(x, 0, n, c, labels, 0, params(Reduction.NONE), per, 0, dNone, 0);
        LossKernels.softmaxCrossEntropy(x, 0, n, c, labels, 0, params(Reduction.SUM), sum, 0, dSum, 0);
        assertArrayEquals(dSum, dNone, 0);
        assertEquals(sum[0], per[0] + per[1] + per[2] + per[3] + per[4], 1e-14);
        assertEquals(0, per[1], 0);
    }

    @Test
    void largeLogitsStayFinite() {
        // x = [1e4, 0, −1e4], label 1, ε = 0.1: lse = 1e4 (the other terms underflow),
        // log-softmax = [0, −1e4, −2e4]; loss = 0.9·1e4 + (0.1/3)·(0 + 1e4 + 2e4) = 9000 + 1000 = 10000.
        // grad = softmax − t = [1, 0, 0] − [0.1/3, 0.9 + 0.1/3, 0.1/3].
        double e3 = 0.1 / 3;
        double[] loss = new double[1], d = new double[3];
        LossKernels.softmaxCrossEntropy(new double[]{1e4, 0, -1e4}, 0, 1, 3, new int[]{1}, 0, params(Reduction.SUM), loss, 0, d, 0);
        assertEquals(10000, loss[0], 1e-9);
        assertArrayEquals(new double[]{1 - e3, -0.9 - e3, -e3}, d, 1e-15);
        float[] lf = new float[1], df = new float[3];
        LossKernels.softmaxCrossEntropy(new float[]{1e4f, 0, -1e4f}, 0, 1, 3, new long[]{1}, 0, params(Reduction.SUM), lf, 0, df, 0);
        assertEquals(10000f, lf[0], 1e-3f);
        assertArrayEquals(new float[]{(float) (1 - e3), (float) (-0.9 - e3), (float) -e3}, df, 1e-7f);
    }

    @Test
    void badLabelsAreReportedWithSampleAndRange() {
        float[] logits = new float[4 * 10], loss = new float[1];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LossKernels.softmaxCrossEntropy(
                logits, 0, 4, 10, new int[]{0, 9, 3, 12}, 0, CrossEntropyParams.mean(), loss, 0, null, 0));
        assertEquals("crossEntropy: label 12 at sample 3 is out of range [0, 10)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LossKernels.softmaxCrossEntropy(
                logits, 0, 4, 10, new long[]{0, -1, 3, 2}, 0, params(Reduction.SUM), loss, 0, null, 0));
        assertEquals("crossEntropy: label -1 at sample 1 is out of range [0, 10) and is not the ignore index -100", e.getMessage());
        // Checked before anything is written.
        float[] untouched = {5};
        assertThrows(IllegalArgumentException.class, () -> LossKernels.softmaxCrossEntropy(
                logits, 0, 4, 10, new long[]{0, 1, 3, 10}, 0, CrossEntropyParams.mean(), untouched, 0, null, 0));
        assertEquals(5f, untouched[0], 0);
    }

    @Test
    void floatAgreesWithDouble() {
        int n = 256, c = 1000;
        Random rnd = new Random(17);
        float[] xf = toFloat(randn(rnd, n * c));
        for (int i = 0; i < xf.length; i++) xf[i] *= 5;
        double[] x = toDouble(xf);
        long[] labels = new long[n];
        for (int i = 0; i < n; i++) labels[i] = i % 10 == 0 ? IGNORE : rnd.nextInt(c);
        for (Reduction r : Reduction.values()) {
            int outLen = r == Reduction.NONE ? n : 1;
            double[] loss = new double[outLen], d = new double[n * c];
            float[] lf = new float[outLen], df = new float[n * c];
            LossKernels.softmaxCrossEntropy(x, 0, n, c, labels, 0, params(r), loss, 0, d, 0);
            LossKernels.softmaxCrossEntropy(xf, 0, n, c, labels, 0, params(r), lf, 0, df, 0);
            assertClose("loss " + r, loss, lf, 0, 1e-6);
            assertClose("dlogits " + r, d, df, 1e-12, 1e-6);
        }
    }
}
