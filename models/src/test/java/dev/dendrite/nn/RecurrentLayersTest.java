package dev.dendrite.nn;

import dev.dendrite.Autograd;
import dev.dendrite.DType;
import dev.dendrite.GradCheck;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SimpleRNN, LSTM, GRU, Bidirectional and TimeDistributed: Keras parameter counts, gradient checks
 * in FLOAT64 (relative error < 1e-6) for every cell, stacked, bidirectional, with initial states and
 * padded lengths, and the layer behaviours (batch-first, last state, stateful carry, truncated BPTT).
 */
class RecurrentLayersTest {
    private static final double TOL = 1e-6;

    private static Tensor randn(long seed, int... dims) {
        return Tensor.randn(Shape.of(dims), seed, DType.FLOAT64).requiresGrad(true);
    }

    private static void gradCheck(java.util.function.Supplier<Tensor> f, Module m, Tensor... inputs) {
        List<Tensor> ts = new ArrayList<>(List.of(inputs));
        ts.addAll(m.parameters());
        int expected = 0;
        for (Tensor t : ts) expected += t.numel();
        GradCheck.Result r = GradCheck.checkInPlace(f, ts, GradCheck.DEFAULT_EPS);
        GradCheck.assertClose(r, TOL);
        assertEquals(expected, r.checkedElements(), "every element compared");
    }

    private static <M extends Module> M f64(M m) {
        m.to(DType.FLOAT64);
        return m;
    }

    // ---- parameter counts and descriptions ------------------------------------------------------------

    @Test
    void kerasParameterCounts() {
        // Keras: SimpleRNN(10) on 1 feature = 10·1 (kernel) + 10·10 (recurrent kernel) + 10 (bias) = 120.
        SimpleRNN rnn = new SimpleRNN(1, 10);
        assertEquals(120, rnn.parameterCount());
        assertEquals(120, rnn.params().parameterCount(false));
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0"), new ArrayList<>(rnn.namedParameters().keySet()));
        // LSTM(16) on 8 features: 4·(16·8 + 16·16 + 16) = 1600; GRU(16), reset_after (two biases): 3·(16·8 + 16·16 + 2·16) = 1248.
        assertEquals(1600, new LSTM(8, 16).parameterCount());
        assertEquals(1248, new GRU(8, 16).parameterCount());
        // cuDNN/PyTorch double bias: LSTM 4·(16·8 + 16·16 + 2·16) = 1664.
        assertEquals(1664, LSTM.builder(8, 16).bias(RecurrentLayer.Bias.DOUBLE).build().parameterCount());
        // Two bidirectional layers: layer 1 reads 2·16 features.
        LSTM deep = LSTM.builder(8, 16).layers(2).bidirectional(true).bias(RecurrentLayer.Bias.DOUBLE).build();
        assertEquals(2 * 1664 + 2 * 4 * (16 * 32 + 16 * 16 + 2 * 16), deep.parameterCount());
        assertTrue(deep.namedParameters().containsKey("bias_hh_l1_reverse"));
        assertEquals(2 * 120, new Bidirectional(new SimpleRNN(1, 10)).parameterCount());
    }

    @Test
    void describeAndSummarySayWhichBias() {
        assertEquals("SimpleRNN(1→10, keras bias)", new SimpleRNN(1, 10).describe());
        assertEquals("GRU(8→16×2, cudnn bias, bidir, seq, drop 0.2)",
                GRU.builder(8, 16).layers(2).bidirectional(true).dropout(0.2).returnSequences(true).build().describe());
        Sequential model = new Sequential(LSTM.builder(3, 4).returnSequences(true).build(), new TimeDistributed(new Linear(4, 2)));
        String s = model.summary(Shape.of(5, 7, 3));
        assertTrue(s.contains("LSTM(3→4, keras bias, seq)"), s);
        assertTrue(s.contains("[5, 7, 4]") && s.contains("[5, 7, 2]"), s);
        assertTrue(s.contains("Trainable params: " + (4 * (4 * 3 + 4 * 4 + 4) + 4 * 2 + 2)), s);
    }

    // ---- gradient checks ------------------------------------------------------------------------------

    @Test
    void gradientsOfEveryCellWithSequences() {
        List<RecurrentLayer> layers = List.of(
                SimpleRNN.builder(3, 4).returnSequences(true).build(),
                SimpleRNN.builder(3, 4).relu(true).returnSequences(true).build(),
                LSTM.builder(3, 4).returnSequences(true).build(),
                GRU.builder(3, 4).returnSequences(true).build());
        long seed = 1;
        for (RecurrentLayer l : layers) {
            f64(l);
            LayerChecksFree.randomize(l, seed);
            Tensor x = randn(seed++, 2, 5, 3);
            gradCheck(() -> l.forward(x), l, x);
        }
    }

    @Test
    void gradientsStackedBidirectionalPaddedWithInitialStates() {
        long seed = 10;
        for (RecurrentLayer l : List.of(
                SimpleRNN.builder(2, 3).layers(2).bidirectional(true).returnSequences(true).bias(RecurrentLayer.Bias.DOUBLE).build(),
                LSTM.builder(2, 3).layers(2).bidirectional(true).returnSequences(true).build(),
                GRU.builder(2, 3).layers(2).bidirectional(true).returnSequences(true).build())) {
            f64(l);
            LayerChecksFree.randomize(l, seed);
            Tensor x = randn(seed++, 3, 4, 2);                  // [N=3, T=4, F=2]
            Tensor h0 = randn(seed++, 3, 4, 3);                 // batch-first [N, L·D, H]
            Tensor c0 = randn(seed++, 3, 4, 3);
            boolean lstm = l instanceof LSTM;
            int[] lens = {4, 1, 3};
            gradCheck(() -> {
                RecurrentLayer.Output o = l.run(x, lens, h0, lstm ? c0 : null);
                Tensor all = Tensor.concat(List.of(o.output().reshape(-1), o.hn().reshape(-1)), 0);
                return lstm ? Tensor.concat(List.of(all, o.cn().reshape(-1)), 0) : all;
            }, l, lstm ? new Tensor[]{x, h0, c0} : new Tensor[]{x, h0});
        }
    }

    @Test
    void gradientsOfLastStateBidirectionalWrapperAndTimeDistributed() {
        Bidirectional bi = f64(new Bidirectional(GRU.builder(2, 3).build()));
        LayerChecksFree.randomize(bi, 20);
        Tensor x = randn(21, 3, 5, 2);
        gradCheck(() -> bi.forward(x, new int[]{2, 5, 3}), bi, x);

        Sequential seq = f64(new Sequential(LSTM.builder(2, 3).returnSequences(true).build(), new TimeDistributed(new Linear(3, 2))));
        LayerChecksFree.randomize(seq, 22);
        Tensor x2 = randn(23, 2, 4, 2);
        gradCheck(() -> seq.forward(x2), seq, x2);
    }

    // ---- behaviour -----------------------------------------------------------------------------------

    @Test
    void lastStateIsTheLastOutputAtEachSequencesEnd() {
        LSTM l = f64(LSTM.builder(2, 3).bidirectional(true).returnSequences(true).build());
        Tensor x = randn(30, 2, 4, 2);
        int[] lens = {4, 2};
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            double[] y = l.forward(x, lens).toDoubleArray();          // [2, 4, 6]
            LSTM last = f64(LSTM.builder(2, 3).bidirectional(true).build());
            last.loadStateDict(l.stateDict());
            double[] h = last.forward(x, lens).toDoubleArray();       // [2, 6]
            for (int n = 0; n < 2; n++)
                for (int j = 0; j < 3; j++) {
                    assertEquals(y[(n * 4 + lens[n] - 1) * 6 + j], h[n * 6 + j], 1e-15, "forward half at the own end");
                    assertEquals(y[(n * 4) * 6 + 3 + j], h[n * 6 + 3 + j], 1e-15, "backward half after step 0");
                }
            assertEquals(0.0, y[(1 * 4 + 3) * 6], 0.0, "padded output is zero");
        }
    }

    @Test
    void timeMajorEqualsBatchFirst() {
        GRU a = f64(GRU.builder(3, 4).returnSequences(true).build());
        GRU b = f64(GRU.builder(3, 4).returnSequences(true).timeMajor(true).build());
        b.loadStateDict(a.stateDict());
        Tensor x = randn(31, 2, 5, 3);
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            assertArrayEquals(a.forward(x).toDoubleArray(), b.forward(x.transpose(0, 1)).transpose(0, 1).toDoubleArray(), 0.0);
        }
    }

    @Test
    void bidirectionalWrapperEqualsTheFusedBidirectionalLayer() {
        Bidirectional wrapped = f64(new Bidirectional(LSTM.builder(2, 3).returnSequences(true).build()));
        LSTM fused = f64(LSTM.builder(2, 3).bidirectional(true).returnSequences(true).build());
        Map<String, Tensor> sd = wrapped.stateDict();
        Map<String, Tensor> mapped = new java.util.LinkedHashMap<>();
        sd.forEach((k, v) -> mapped.put(k.startsWith("forward.") ? k.substring(8) : k.substring(9) + "_reverse", v));
        fused.loadStateDict(mapped);
        Tensor x = randn(32, 2, 4, 2);
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            assertArrayEquals(fused.forward(x).toDoubleArray(), wrapped.forward(x).toDoubleArray(), 0.0);
        }
        assertEquals("Bidir LSTM(2→3, keras bias, seq)", wrapped.describe());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Bidirectional(LSTM.builder(2, 3).layers(2).build()));
        assertTrue(e.getMessage().startsWith("Bidirectional: wraps a single unidirectional layer"), e.getMessage());
    }

    @Test
    void statefulLayerCarriesStatesBetweenBatches() {
        LSTM whole = f64(LSTM.builder(2, 3).returnSequences(true).build());
        LSTM st = f64(LSTM.builder(2, 3).returnSequences(true).stateful(true).build());
        st.loadStateDict(whole.stateDict());
        Tensor x = randn(33, 2, 6, 2);
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            double[] all = whole.forward(x).toDoubleArray();
            double[] first = st.forward(x.narrow(1, 0, 4)).toDoubleArray(), second = st.forward(x.narrow(1, 4, 2)).toDoubleArray();
            for (int n = 0; n < 2; n++)
                for (int t = 0; t < 6; t++)
                    for (int j = 0; j < 3; j++)
                        assertEquals(all[(n * 6 + t) * 3 + j], t < 4 ? first[(n * 4 + t) * 3 + j] : second[(n * 2 + t - 4) * 3 + j], 1e-14);
            st.resetStates();
            assertArrayEquals(whole.forward(x.narrow(1, 0, 4)).toDoubleArray(), st.forward(x.narrow(1, 0, 4)).toDoubleArray(), 0.0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> st.forward(randn(34, 3, 2, 2)));
            assertEquals("LSTM: stateful layer carries states for a batch of 2, got a batch of 3 (input [3, 2, 2]); call resetStates() first",
                    e.getMessage());
        }
        // The carried state is detached: a loss on the second batch sends no gradient into the first batch's graph.
        Tensor x1 = randn(35, 2, 3, 2);
        st.resetStates();
        st.forward(x1);
        Tensor x2 = randn(36, 2, 3, 2);
        st.forward(x2).sum().backward();
        assertEquals(null, x1.grad());
        assertTrue(x2.grad() != null);
    }

    @Test
    void truncatedBackpropKeepsValuesAndCutsGradients() {
        for (int[] lens : new int[][]{null, {6, 1, 3}}) {
            GRU full = f64(GRU.builder(2, 3).returnSequences(true).build());
            GRU tb = f64(GRU.builder(2, 3).returnSequences(true).truncateBackprop(2).build());
            tb.loadStateDict(full.stateDict());
            Tensor x = randn(37, 3, 6, 2);
            Tensor yFull = full.forward(x, lens), yTb = tb.forward(x, lens);
            assertArrayEquals(yFull.toDoubleArray(), yTb.toDoubleArray(), 1e-14, "truncation does not change values");
            // A loss on the last step only: with k = 2 the gradient reaches steps 4 and 5, not step 0.
            yTb.narrow(1, 5, 1).sum().backward();
            double[] g = x.grad().toDoubleArray();
            double early = 0, late = 0;
            for (int k = 0; k < 2; k++) {
                early += Math.abs(g[(0 * 6) * 2 + k]);
                late += Math.abs(g[(0 * 6 + 4) * 2 + k]);
            }
            assertEquals(0.0, early, 0.0);
            assertTrue(late > 0);
            x.zeroGrad();
            yFull.narrow(1, 5, 1).sum().backward();
            double[] gFull = x.grad().toDoubleArray();
            assertNotEquals(0.0, Math.abs(gFull[0]) + Math.abs(gFull[1]), "without truncation step 0 gets a gradient");
        }
        assertThrows(IllegalArgumentException.class, () -> LSTM.builder(2, 3).bidirectional(true).truncateBackprop(3).build());
    }

    @Test
    void dropoutBetweenLayersOnlyInTraining() {
        LSTM l = f64(LSTM.builder(2, 3).layers(2).dropout(0.5).returnSequences(true).build());
        LSTM plain = f64(LSTM.builder(2, 3).layers(2).returnSequences(true).build());
        plain.loadStateDict(l.stateDict());
        Tensor x = randn(38, 2, 4, 2);
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            double[] train = l.forward(x).toDoubleArray();
            l.eval();
            assertArrayEquals(plain.forward(x).toDoubleArray(), l.forward(x).toDoubleArray(), 0.0);
            double diff = 0;
            double[] ev = l.forward(x).toDoubleArray();
            for (int i = 0; i < ev.length; i++) diff = Math.max(diff, Math.abs(ev[i] - train[i]));
            assertTrue(diff > 1e-3, "training output differs by dropout");
        }
    }

    @Test
    void defaultInitialisationIsKeras() {
        LSTM l = new LSTM(3, 4);
        double[] b = l.namedParameters().get("bias_ih_l0").toDoubleArray();
        for (int j = 0; j < 16; j++) assertEquals(j >= 4 && j < 8 ? 1.0 : 0.0, b[j], 0.0, "forget bias 1, others 0");
        double[] w = l.namedParameters().get("weight_hh_l0").toDoubleArray();   // [16, 4]: four orthogonal 4×4 blocks
        for (int g = 0; g < 4; g++)
            for (int i = 0; i < 4; i++)
                for (int k = 0; k < 4; k++) {
                    double dot = 0;
                    for (int c = 0; c < 4; c++) dot += w[(g * 4 + i) * 4 + c] * w[(g * 4 + k) * 4 + c];
                    assertEquals(i == k ? 1.0 : 0.0, dot, 1e-6);
                }
    }

    /** Overwrites parameters with N(0, 0.5²) values so that checks do not depend on special initial values (orthogonal, zero bias). */
    static final class LayerChecksFree {
        static void randomize(Module m, long seed) {
            int i = 0;
            try (Autograd.NoGrad ng = Autograd.noGrad()) {
                for (Tensor p : m.parameters())
                    p.copyFrom(Tensor.randn(p.shape(), seed, i++, 0, 0.5, p.dtype(), p.device()));
            }
        }
    }
}
