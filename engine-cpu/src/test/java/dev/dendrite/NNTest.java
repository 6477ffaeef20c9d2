package dev.dendrite;

import dev.dendrite.ops.BatchNormParams;
import dev.dendrite.ops.Conv2dParams;
import dev.dendrite.ops.ConvTranspose2dParams;
import dev.dendrite.ops.CrossEntropyParams;
import dev.dendrite.ops.Pool2dParams;
import dev.dendrite.ops.PoolMode;
import dev.dendrite.ops.Reduction;
import dev.dendrite.ops.UpsampleMode;
import dev.dendrite.random.Philox;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The functional NN ops on the CPU backend: dispatch, validation messages and values through the public API. */
class NNTest {
    private static Tensor seq(DType dtype, int... dims) {
        int n = Shape.of(dims).numel();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = i;
        return Tensor.fromArray(v, dims).to(dtype);
    }

    @Test
    void dropoutMaskIsPhiloxKeyedByElementIndex() {
        Tensor x = Tensor.ones(Shape.of(1000), DType.FLOAT32).requiresGrad(true);
        Tensor y = NN.dropout(x, 0.3, 1234, 5);
        float[] v = y.toFloatArray();
        int kept = 0;
        for (int i = 0; i < v.length; i++) {
            boolean keep = Philox.keep(1234, 5, i, 0.3f);
            assertEquals(keep ? (float) (1 / 0.7) : 0f, v[i], 1e-6, "element " + i);
            if (keep) kept++;
        }
        // 1000 Bernoulli(0.7) draws: mean 700, σ ≈ 14.5, so ±70 is a 4.8σ band.
        assertEquals(700, kept, 70);
        y.sum().backward();
        assertArrayEquals(v, x.grad().toFloatArray(), "the gradient of sum is the mask itself");
        // Same seed and stream in FLOAT64: the same mask.
        double[] d = NN.dropout(Tensor.ones(Shape.of(1000), DType.FLOAT64), 0.3, 1234, 5).toDoubleArray();
        for (int i = 0; i < v.length; i++) assertEquals(v[i] != 0, d[i] != 0, "dtype-independent mask at " + i);
    }

    @Test
    void convErrorsNameTheOpAndTheValues() {
        Tensor x = Tensor.zeros(Shape.of(8, 3, 32, 32), DType.FLOAT32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NN.conv2d(x, Tensor.zeros(Shape.of(16, 4, 3, 3), DType.FLOAT32), null, Conv2dParams.defaults()));
        assertEquals("conv2d: input [8, 3, 32, 32] has 3 channels, weight [16, 4, 3, 3] expects 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NN.conv2d(x, Tensor.zeros(Shape.of(16, 1, 3, 3), DType.FLOAT32), null, Conv2dParams.defaults().withGroups(2)));
        assertTrue(e.getMessage().contains("not divisible by groups=2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NN.conv2d(Tensor.zeros(Shape.of(1, 3, 4, 4), DType.FLOAT32), Tensor.zeros(Shape.of(1, 3, 7, 7), DType.FLOAT32), null,
                        Conv2dParams.defaults()));
        assertTrue(e.getMessage().startsWith("conv2d: output size (-2, -2) is not positive for input [1, 3, 4, 4], kernel (7, 7)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv2dParams.of(1, -1));
        assertEquals("conv2d: padding must be >= 0, got (-1, -1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NN.conv2d(x, Tensor.zeros(Shape.of(16, 3, 3, 3), DType.FLOAT32), Tensor.zeros(Shape.of(15), DType.FLOAT32),
                        Conv2dParams.defaults()));
        assertEquals("conv2d: bias must have shape [16], got [15]", e.getMessage());
    }

    @Test
    void poolErrorsAndValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NN.maxPool2d(Tensor.zeros(Shape.of(1, 1, 2, 2), DType.FLOAT32), 5, 1, 1));
        assertTrue(e.getMessage().contains("kernel (5, 5) is larger than the padded input [1, 1, 2, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool2dParams.of(PoolMode.MAX, 2, 2, 2));
        assertTrue(e.getMessage().contains("must be smaller than the kernel"), e.getMessage());
        Tensor x = seq(DType.FLOAT32, 1, 1, 4, 4);
        assertArrayEquals(new float[]{5, 7, 13, 15}, NN.maxPool2d(x, 2, 2, 0).toFloatArray());
        assertArrayEquals(new float[]{2.5f, 4.5f, 10.5f, 12.5f}, NN.avgPool2d(x, 2, 2, 0).toFloatArray());
        assertArrayEquals(new float[]{7.5f}, NN.globalAvgPool2d(x).toFloatArray());
    }

    @Test
    void convWithBiasAddsPerChannelAndGradientsReachTheBias() {
        Tensor x = seq(DType.FLOAT64, 1, 1, 3, 3).requiresGrad(true);
        Tensor w = Tensor.ones(Shape.of(2, 1, 2, 2), DType.FLOAT64).requiresGrad(true);
        Tensor b = Tensor.fromArray(new double[]{10, 20}, 2).requiresGrad(true);
        Tensor y = NN.conv2d(x, w, b, Conv2dParams.defaults());
        // 2×2 window sums of [[0,1,2],[3,4,5],[6,7,8]]: 8, 12, 20, 24.
        assertArrayEquals(new double[]{18, 22, 30, 34, 28, 32, 40, 44}, y.toDoubleArray());
        y.sum().backward();
        assertArrayEquals(new double[]{4, 4}, b.grad().toDoubleArray(), "db = Σ dy per channel");
        assertArrayEquals(new double[]{2, 4, 2, 4, 8, 4, 2, 4, 2}, x.grad().toDoubleArray(), "dx counts window coverage × 2 filters");
        assertArrayEquals(new double[]{8, 12, 20, 24, 8, 12, 20, 24}, w.grad().toDoubleArray());
    }

    @Test
    void convTransposeIsTheAdjointOfConv() {
        Tensor x = Tensor.randn(Shape.of(2, 3, 5, 4), 1, DType.FLOAT64);
        Tensor w = Tensor.randn(Shape.of(3, 4, 3, 3), 2, DType.FLOAT64); // [Cin, Cout, R, S]
        ConvTranspose2dParams tp = new ConvTranspose2dParams(new Conv2dParams(2, 2, 1, 1, 1, 1, 1), 1, 0);
        Tensor y = NN.convTranspose2d(x, w, null, tp);
        assertEquals(Shape.of(2, 4, 10, 7), y.shape(), "(in−1)·s − 2p + d(k−1) + outPad + 1");
        Tensor z = Tensor.randn(y.shape(), 3, DType.FLOAT64);
        // ⟨convT(x), z⟩ = ⟨x, conv(z)⟩ when conv uses the same weight and geometry.
        double lhs = y.mul(z).sum().item();
        double rhs = x.mul(NN.conv2d(z, w, null, tp.conv())).sum().item();
        assertEquals(lhs, rhs, 1e-9 * Math.abs(lhs));
    }

    @Test
    void batchNormUpdatesRunningStatisticsWithTheUnbiasedVariance() {
        Tensor x = Tensor.fromArray(new float[]{1, 2, 3, 4, 5, 6}, 3, 2); // channel 0: 1,3,5; channel 1: 2,4,6
        Tensor gamma = Tensor.ones(Shape.of(2), DType.FLOAT32), beta = Tensor.zeros(Shape.of(2), DType.FLOAT32);
        Tensor rm = Tensor.zeros(Shape.of(2), DType.FLOAT32), rv = Tensor.ones(Shape.of(2), DType.FLOAT32);
        Tensor y = NN.batchNorm(x, gamma, beta, rm, rv, true, BatchNormParams.defaults());
        // mean 3 / 4; biased var 8/3, unbiased 4: running mean 0.1·mean, running var 0.9 + 0.1·4 = 1.3.
        assertArrayEquals(new float[]{0.3f, 0.4f}, rm.toFloatArray(), 1e-6f);
        assertArrayEquals(new float[]{1.3f, 1.3f}, rv.toFloatArray(), 1e-6f);
        float s = (float) (1 / Math.sqrt(8.0 / 3 + 1e-5));
        assertArrayEquals(new float[]{-2 * s, -2 * s, 0, 0, 2 * s, 2 * s}, y.toFloatArray(), 1e-5f);
        Tensor ye = NN.batchNorm(x, gamma, beta, rm, rv, false, BatchNormParams.defaults());
        assertEquals((1 - 0.3) / Math.sqrt(1.3 + 1e-5), ye.toFloatArray()[0], 1e-5, "eval uses running statistics");
    }

    @Test
    void crossEntropyRejectsOutOfRangeLabels() {
        Tensor logits = Tensor.zeros(Shape.of(4, 10), DType.FLOAT32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NN.crossEntropy(logits, Tensor.fromArray(new long[]{1, 2, 12, 3}, 4)));
        assertTrue(e.getMessage().startsWith("crossEntropy: label 12 at sample 2 is out of range [0, 10)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NN.crossEntropy(logits, Tensor.fromArray(new long[]{1, 2}, 2)));
        assertEquals("crossEntropy: labels must have shape [4] for logits [4, 10], got [2]", e.getMessage());
        // Uniform logits: the loss is ln 10 for every sample.
        assertEquals(Math.log(10), NN.crossEntropy(logits, Tensor.fromArray(new long[]{1, 2, 9, 3}, 4)).item(), 1e-6);
        assertArrayEquals(new float[]{(float) Math.log(10), (float) Math.log(10)},
                NN.crossEntropy(Tensor.zeros(Shape.of(2, 10), DType.FLOAT32), Tensor.fromArray(new int[]{0, 1}, 2),
                        new CrossEntropyParams(Reduction.NONE, CrossEntropyParams.NO_IGNORE, 0)).toFloatArray(), 1e-6f);
    }

    @Test
    void bceWithLogitsIsStableForLargeLogits() {
        Tensor x = Tensor.fromArray(new double[]{1000, -1000, 0}, 3);
        Tensor t = Tensor.fromArray(new double[]{1, 0, 1}, 3);
        assertArrayEquals(new double[]{0, 0, Math.log(2)}, NN.bceWithLogits(x, t, Reduction.NONE).toDoubleArray(), 1e-12);
        assertEquals(2.0 / 3, NN.mseLoss(Tensor.fromArray(new double[]{1, 2, 3}, 3), Tensor.fromArray(new double[]{1, 1, 2}, 3),
                Reduction.MEAN).item(), 1e-12);
    }

    @Test
    void embeddingGathersRowsAndScatterAddsGradients() {
        Tensor w = seq(DType.FLOAT64, 4, 2).requiresGrad(true);
        Tensor idx = Tensor.fromArray(new long[]{3, 1, 3}, 3);
        Tensor rows = NN.embedding(w, idx);
        assertArrayEquals(new double[]{6, 7, 2, 3, 6, 7}, rows.toDoubleArray());
        rows.sum().backward();
        assertArrayEquals(new double[]{0, 0, 1, 1, 0, 0, 2, 2}, w.grad().toDoubleArray(), "repeated index 3 accumulates");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NN.embedding(w, Tensor.fromArray(new long[]{4}, 1)));
        assertTrue(e.getMessage().contains("index 4"), e.getMessage());
    }

    @Test
    void channelShuffleInterleavesGroups() {
        Tensor x = seq(DType.FLOAT32, 1, 6, 1, 1); // channels 0..5 in 2 groups of 3
        assertArrayEquals(new float[]{0, 3, 1, 4, 2, 5}, NN.channelShuffle(x, 2).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> NN.channelShuffle(x, 4));
    }

    @Test
    void upsamplingDoublesTheImage() {
        Tensor x = Tensor.fromArray(new float[]{1, 2, 3, 4}, 1, 1, 2, 2);
        assertArrayEquals(new float[]{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4},
                NN.upsample2x(x, UpsampleMode.NEAREST).toFloatArray());
        float[] bl = NN.upsample2x(x, UpsampleMode.BILINEAR).toFloatArray();
        // Row 0 (src y = −0.25 → clamped 0): x = 1, 1.25, 1.75, 2 (PyTorch align_corners=False).
        assertArrayEquals(new float[]{1, 1.25f, 1.75f, 2}, java.util.Arrays.copyOf(bl, 4), 1e-6f);
    }
}
