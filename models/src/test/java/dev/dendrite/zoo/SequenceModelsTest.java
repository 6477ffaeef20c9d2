package dev.dendrite.zoo;

import dev.dendrite.Autograd;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.nn.Init;
import dev.dendrite.ops.RnnMode;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CharLM, Seq2Seq and WindowRegressor: shapes, that a carried state continues a sequence exactly,
 * that padding is invisible, that step-by-step decoding equals whole-sequence decoding, and
 * sampling statistics.
 */
class SequenceModelsTest {
    private static int[] randomTokens(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(vocab);
        return t;
    }

    /** Row-major {@code [rows, cols]} → columns {@code [from, from + len)}. */
    private static int[] columns(int[] a, int rows, int cols, int from, int len) {
        int[] out = new int[rows * len];
        for (int r = 0; r < rows; r++) System.arraycopy(a, r * cols + from, out, r * len, len);
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++)
            assertEquals(expected[i], actual[i], tol, what + " at " + i);
    }

    // ---- CharLM -----------------------------------------------------------------------------------

    @Test
    void charLmCarriedStateContinuesTheSequenceExactly() {
        for (RnnMode cell : new RnnMode[]{RnnMode.LSTM, RnnMode.GRU}) {
            Init.seed(11);
            try (CharLM lm = new CharLM(new CharLM.Config(7, 5, 6, 2, cell)); Autograd.NoGrad ng = Autograd.noGrad()) {
                int[] tokens = randomTokens(3 * 9, 7, 1);
                Tensor whole = lm.forward(Tensor.fromArray(tokens, 3, 9));
                assertEquals(Shape.of(3, 9, 7), whole.shape());
                CharLM.Output first = lm.run(Tensor.fromArray(columns(tokens, 3, 9, 0, 4), 3, 4), null);
                assertEquals(Shape.of(3, 2, 6), first.state().h().shape(), "state [N, L, H]");
                assertEquals(cell == RnnMode.LSTM, first.state().c() != null);
                CharLM.Output rest = lm.run(Tensor.fromArray(columns(tokens, 3, 9, 4, 5), 3, 5), first.state());
                assertClose(whole.narrow(1, 4, 5).contiguous().toFloatArray(), rest.logits().toFloatArray(), 1e-5, cell + " continued logits");
                // From zeros instead, the same five steps give other logits.
                Tensor fresh = lm.run(Tensor.fromArray(columns(tokens, 3, 9, 4, 5), 3, 5), null).logits();
                assertNotEquals(rest.logits().toFloatArray()[0], fresh.toFloatArray()[0]);
            }
        }
    }

    @Test
    void truncatedBackpropagationStopsGradientsEveryKSteps() {
        // Tokens 0..5 at steps 0..5, loss from the last step only: the gradient reaches the embedding row of
        // every step without truncation, and only rows 4 and 5 (the last chunk of k = 2 steps) with it.
        for (int k : new int[]{0, 2}) {
            Init.seed(12);
            try (CharLM lm = new CharLM(new CharLM.Config(6, 3, 4, 1, RnnMode.LSTM), k)) {
                Tensor logits = lm.forward(Tensor.fromArray(new int[]{0, 1, 2, 3, 4, 5}, 1, 6));
                logits.narrow(1, 5, 1).sum().backward();
                double[] g = lm.namedParameters().get("embedding.weight").grad().toDoubleArray();
                for (int row = 0; row < 6; row++) {
                    double norm = Math.abs(g[3 * row]) + Math.abs(g[3 * row + 1]) + Math.abs(g[3 * row + 2]);
                    if (k == 2 && row < 4) assertEquals(0, norm, 0, "k=2: no gradient to step " + row);
                    else assertTrue(norm > 0, "k=" + k + ": gradient reaches step " + row);
                }
            }
        }
    }

    @Test
    void generateIsDeterministicForASeedAndHasTheRequestedLength() {
        Init.seed(2);
        try (CharLM lm = new CharLM(new CharLM.Config(9, 4, 8, 1, RnnMode.LSTM))) {
            int[] a = lm.generate(new int[]{1, 2, 3}, 40, 1.0, 99);
            assertEquals(40, a.length);
            assertArrayEquals(a, lm.generate(new int[]{1, 2, 3}, 40, 1.0, 99));
            assertTrue(Arrays.stream(a).allMatch(t -> t >= 0 && t < 9));
            assertNotEquals(Arrays.toString(a), Arrays.toString(lm.generate(new int[]{1, 2, 3}, 40, 1.0, 100)), "another seed, another text");
            // Temperature 0 ignores the seed.
            assertArrayEquals(lm.generate(new int[]{4}, 20, 0, 1), lm.generate(new int[]{4}, 20, 0, 2));
            assertEquals(0, lm.generate(new int[]{4}, 0, 1, 1).length);
            assertTrue(lm.isTraining(), "generate restores training mode");
            assertThrows(IllegalArgumentException.class, () -> lm.generate(new int[0], 5, 1, 1));
            assertThrows(IllegalArgumentException.class, () -> lm.generate(new int[]{1}, 5, -0.5, 1));
            assertThrows(IllegalArgumentException.class, () -> lm.run(Tensor.fromArray(new int[]{1, 2}, 2), null));
        }
    }

    @Test
    void sampleFollowsTheTemperedSoftmax() {
        float[] logits = {0, (float) Math.log(3)};
        SplittableRandom r = new SplittableRandom(4);
        int n = 40_000, ones = 0, onesCold = 0;
        for (int i = 0; i < n; i++) {
            ones += CharLM.sample(logits, 1.0, r);
            onesCold += CharLM.sample(logits, 0.5, r);
        }
        // T = 1: p = (1, 3)/4. T = 0.5: logits doubled, p ∝ (1, 9). Binomial sd ≈ 0.002; tolerance 0.01.
        assertEquals(0.75, (double) ones / n, 0.01);
        assertEquals(0.9, (double) onesCold / n, 0.01);
        assertEquals(1, CharLM.sample(new float[]{0, 5, 5}, 0, r), "temperature 0: first index of the largest logit");
        assertEquals(2, CharLM.sample(new float[]{-1e30f, -1e30f, 80}, 1.0, r), "no overflow for large logits");
    }

    @Test
    void charLmConfigRoundTripsThroughMetadata() {
        CharLM.Config c = new CharLM.Config(86, 32, 128, 2, RnnMode.GRU);
        Map<String, String> m = c.toMetadata();
        assertEquals("charlm", m.get("model"));
        assertEquals("gru", m.get("cell"));
        assertEquals(c, CharLM.Config.fromMetadata(m));
        assertThrows(IllegalArgumentException.class, () -> CharLM.Config.fromMetadata(Map.of("model", "lenet")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CharLM.Config.fromMetadata(Map.of("model", "charlm", "vocab_size", "x")));
        assertTrue(e.getMessage().contains("'vocab_size' = 'x'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CharLM.Config(0, 1, 1, 1, RnnMode.LSTM));
        assertEquals(RnnMode.RNN_TANH, RnnCells.parse("RNN"));
        assertThrows(IllegalArgumentException.class, () -> RnnCells.parse("transformer"));
    }

    // ---- Seq2Seq ----------------------------------------------------------------------------------

    @Test
    void seq2seqShapesAndPaddingIsInvisible() {
        for (Seq2Seq.Attention kind : Seq2Seq.Attention.values()) {
            Init.seed(5);
            try (Seq2Seq m = new Seq2Seq(new Seq2Seq.Config(13, 13, 4, 6, RnnMode.LSTM, kind)); Autograd.NoGrad ng = Autograd.noGrad()) {
                int[] src = {3, 4, 5, 6, 7, 8, 0, 0, 9, 0, 0, 0};      // lengths 4, 2, 1 of a [3, 4] batch
                int[] lengths = {4, 2, 1};
                int[] dec = {1, 4, 5, 1, 6, 7, 1, 8, 0};
                Seq2Seq.Encoded enc = m.encode(Tensor.fromArray(src, 3, 4), lengths);
                Seq2Seq.Decoded d = m.decode(Tensor.fromArray(dec, 3, 3), enc.state(), enc);
                assertEquals(Shape.of(3, 3, 13), d.logits().shape());
                assertEquals(Shape.of(3, 3, 4), d.weights().shape());
                float[] w = d.weights().toFloatArray();
                for (int row = 0; row < 9; row++) {
                    int n = row / 3;
                    double sum = 0;
                    for (int j = 0; j < 4; j++) {
                        sum += w[row * 4 + j];
                        if (j >= lengths[n]) assertEquals(0, w[row * 4 + j], 0, kind + ": padded key " + j + " of row " + n);
                    }
                    assertEquals(1, sum, 1e-5, kind + ": attention weights sum to 1");
                }
                // Other tokens in the padded positions change nothing.
                int[] src2 = {3, 4, 5, 6, 7, 8, 11, 12, 9, 10, 10, 10};
                Tensor again = m.logits(Tensor.fromArray(src2, 3, 4), lengths, Tensor.fromArray(dec, 3, 3));
                assertClose(d.logits().toFloatArray(), again.toFloatArray(), 1e-6, kind + " logits with other padding");
            }
        }
    }

    @Test
    void seq2seqStepwiseDecodingEqualsWholeSequenceDecoding() {
        for (Seq2Seq.Attention kind : Seq2Seq.Attention.values()) {
            Init.seed(6);
            try (Seq2Seq m = new Seq2Seq(new Seq2Seq.Config(13, 13, 4, 6, RnnMode.GRU, kind)); Autograd.NoGrad ng = Autograd.noGrad()) {
                int[] src = {3, 4, 5, 6, 7, 0};
                int[] lengths = {3, 2};
                int[] dec = {1, 9, 8, 7, 1, 4, 3, 2};
                Tensor source = Tensor.fromArray(src, 2, 3);
                Seq2Seq.Encoded enc = m.encode(source, lengths);
                float[] whole = m.decode(Tensor.fromArray(dec, 2, 4), enc.state(), enc).logits().toFloatArray();
                RnnCells.State state = enc.state();
                for (int t = 0; t < 4; t++) {
                    Seq2Seq.Decoded step = m.decode(Tensor.fromArray(columns(dec, 2, 4, t, 1), 2, 1), state, enc);
                    float[] got = step.logits().toFloatArray();
                    for (int n = 0; n < 2; n++)
                        for (int v = 0; v < 13; v++)
                            assertEquals(whole[(n * 4 + t) * 13 + v], got[n * 13 + v], 1e-5, kind + " step " + t + " row " + n);
                    state = step.state();
                }
                assertThrows(UnsupportedOperationException.class, () -> m.forward(source));
                int[][] greedy = m.greedyDecode(source, lengths, 5, 1, 2);
                assertEquals(2, greedy.length);
                assertTrue(greedy[0].length <= 5 && greedy[1].length <= 5);
            }
        }
    }

    // ---- WindowRegressor --------------------------------------------------------------------------

    @Test
    void windowRegressorMapsAWindowToOneValue() {
        Init.seed(8);
        try (WindowRegressor m = new WindowRegressor(RnnMode.GRU, 1, 5, 2); Autograd.NoGrad ng = Autograd.noGrad()) {
            float[] x = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
            Tensor a = m.forward(Tensor.fromArray(x, 2, 3));
            Tensor b = m.forward(Tensor.fromArray(x, 2, 3, 1));
            assertEquals(Shape.of(2, 1), a.shape());
            assertArrayEquals(a.toFloatArray(), b.toFloatArray());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.fromArray(x, 1, 3, 2)));
            assertTrue(e.getMessage().contains("[N, W, 1]"), e.getMessage());
        }
    }
}
