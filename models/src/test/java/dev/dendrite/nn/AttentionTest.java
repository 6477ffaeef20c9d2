package dev.dendrite.nn;

import dev.dendrite.Autograd;
import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.dendrite.nn.LayerChecks.check;
import static dev.dendrite.nn.LayerChecks.checkInPlace;
import static dev.dendrite.nn.LayerChecks.checkModule;
import static dev.dendrite.nn.LayerChecks.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scaled dot-product and multi-head attention: hand-computed values and gradient checks in FLOAT64. */
class AttentionTest {
    // Two tokens, d = 2: Q = K = I, V = [[1, 2], [3, 4]]. Scores Q·Kᵀ/√2 = I/√2, so token 0 weighs
    // itself by w = e^(1/√2) / (e^(1/√2) + 1) = 0.66976 and token 1 by 1 − w (token 1 symmetrically).
    private static final Tensor EYE = Tensor.fromArray(new double[]{1, 0, 0, 1}, 2, 2);
    private static final Tensor V = Tensor.fromArray(new double[]{1, 2, 3, 4}, 2, 2);

    @Test
    void twoTokens() {
        double[] y = ScaledDotProductAttention.attention(EYE, EYE, V, null, false).toDoubleArray();
        assertArrayEquals(new double[]{1.6604769013466862, 2.6604769013466862, 2.3395230986533138, 3.3395230986533138}, y, 1e-12);
        // Batched [1, 2, 2] gives the same numbers through the module.
        double[] yb = new ScaledDotProductAttention().forward(EYE.reshape(1, 2, 2), EYE.reshape(1, 2, 2), V.reshape(1, 2, 2)).toDoubleArray();
        assertArrayEquals(y, yb, 1e-15);
    }

    @Test
    void twoTokensCausal() {
        // Token 0 sees only itself, so it returns V[0]; token 1 is unchanged.
        double[] y = new ScaledDotProductAttention(true).forward(EYE, EYE, V).toDoubleArray();
        assertArrayEquals(new double[]{1, 2, 2.3395230986533138, 3.3395230986533138}, y, 1e-12);
        double[] viaMask = ScaledDotProductAttention.attention(EYE, EYE, V,
                Tensor.fromArray(new double[]{0, Double.NEGATIVE_INFINITY, 0, 0}, 2, 2), false).toDoubleArray();
        assertArrayEquals(y, viaMask, 1e-15);
    }

    @Test
    void twoTokensWithAFiniteMask() {
        // Adding ln 2 to score (0, 1) doubles that weight: w = e^(1/√2) / (e^(1/√2) + 2) = 0.50349.
        Tensor mask = Tensor.fromArray(new double[]{0, Math.log(2), 0, 0}, 2, 2);
        double[] y = ScaledDotProductAttention.attention(EYE, EYE, V, mask, false).toDoubleArray();
        assertArrayEquals(new double[]{1.9930203130308923, 2.9930203130308923, 2.3395230986533138, 3.3395230986533138}, y, 1e-12);
    }

    @Test
    void causalMaskShape() {
        double inf = Double.NEGATIVE_INFINITY;
        assertArrayEquals(new double[]{0, inf, inf, inf, 0, 0, inf, inf}, ScaledDotProductAttention.causalMask(2, 4, EYE).toDoubleArray());
        assertEquals(DType.FLOAT32, ScaledDotProductAttention.causalMask(2, 2, Tensor.zeros(1)).dtype());
    }

    @Test
    void attentionGradients() {
        Tensor q = randn(1, 2, 3, 2), k = randn(2, 2, 4, 2), v = randn(3, 2, 4, 3);
        check(in -> ScaledDotProductAttention.attention(in.get(0), in.get(1), in.get(2), null, false), q, k, v);
        check(in -> ScaledDotProductAttention.attention(in.get(0), in.get(1), in.get(2), null, true), q, k, v);
        Tensor mask = randn(4, 3, 4);     // additive and differentiable; broadcast over the batch
        check(in -> ScaledDotProductAttention.attention(in.get(0), in.get(1), in.get(2), in.get(3), false), q, k, v, mask);
        check(in -> ScaledDotProductAttention.attention(in.get(0), in.get(1), in.get(2), in.get(3), true), q, k, v, mask);
        checkModule(new ScaledDotProductAttention(), randn(5, 2, 3, 4));    // self-attention: x is q, k and v
    }

    @Test
    void multiHeadSelfAttentionGradients() {
        MultiHeadAttention mha = new MultiHeadAttention(4, 2);
        checkModule(mha, randn(10, 2, 3, 4));
        MultiHeadAttention causal = new MultiHeadAttention(4, 2, true, DType.FLOAT64);
        checkModule(causal, randn(11, 1, 3, 4));
    }

    @Test
    void multiHeadCrossAttentionWithMaskGradients() {
        MultiHeadAttention mha = new MultiHeadAttention(4, 2, false, DType.FLOAT64);
        Tensor q = randn(12, 2, 2, 4), k = randn(13, 2, 3, 4), v = randn(14, 2, 3, 4), mask = randn(15, 2, 3);
        checkInPlace(() -> mha.forward(q, k, v, mask), mha, q, k, v, mask);
    }

    @Test
    void headsOwnContiguousFeatureSlices() {
        // With identity projections and zero biases, head i is plain attention on features
        // [2i, 2i + 2) with scale 1/√2, and the output concatenates the heads.
        MultiHeadAttention mha = new MultiHeadAttention(4, 2, false, DType.FLOAT64);
        Map<String, Tensor> state = new java.util.LinkedHashMap<>();
        for (String p : List.of("qProj", "kProj", "vProj", "outProj")) {
            state.put(p + ".weight", Tensor.fromArray(new double[]{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, 4, 4));
            state.put(p + ".bias", Tensor.zeros(Shape.of(4), DType.FLOAT64));
        }
        mha.loadStateDict(state);
        Tensor x = Tensor.randn(Shape.of(2, 3, 4), 20, DType.FLOAT64);
        List<Tensor> heads = new ArrayList<>();
        for (int h = 0; h < 2; h++) {
            Tensor s = x.narrow(2, 2 * h, 2);
            heads.add(ScaledDotProductAttention.attention(s, s, s, null, false));
        }
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            assertArrayEquals(Tensor.concat(heads, 2).toDoubleArray(), mha.forward(x).toDoubleArray(), 1e-12);
        }
    }

    @Test
    void unbatchedInput() {
        MultiHeadAttention mha = new MultiHeadAttention(6, 3, false, DType.FLOAT64);
        Tensor x = Tensor.randn(Shape.of(5, 6), 21, DType.FLOAT64);
        assertArrayEquals(mha.forward(x.reshape(1, 5, 6)).toDoubleArray(), mha.forward(x).toDoubleArray(), 1e-12);
        assertEquals(Shape.of(5, 6), mha.forward(x).shape());
    }

    @Test
    void errorsNameTheShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScaledDotProductAttention.attention(Tensor.zeros(2, 3), Tensor.zeros(2, 4), Tensor.zeros(2, 4), null, false));
        assertTrue(e.getMessage().contains("q[2, 3]") && e.getMessage().contains("k[2, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ScaledDotProductAttention.attention(Tensor.zeros(2, 3), Tensor.zeros(4, 3), Tensor.zeros(3, 3), null, false));
        assertTrue(e.getMessage().contains("sequence lengths differ (4 vs 3)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ScaledDotProductAttention.attention(Tensor.zeros(2, 3), Tensor.zeros(4, 3), Tensor.zeros(4, 3), Tensor.zeros(3, 4), false));
        assertTrue(e.getMessage().contains("mask [3, 4]") && e.getMessage().contains("[2, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention(6, 4));
        assertTrue(e.getMessage().contains("6") && e.getMessage().contains("4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention(4, 2).forward(Tensor.zeros(2, 3)));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    }
}
