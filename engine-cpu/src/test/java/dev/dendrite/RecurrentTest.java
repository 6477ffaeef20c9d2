package dev.dendrite;

import dev.dendrite.ops.RnnMode;
import dev.dendrite.ops.RnnParams;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Recurrent#rnn} on the CPU backend: every validation message, and the autograd rule
 * (backward-data then backward-weights through the packed outputs) checked by central differences
 * in FLOAT64 through the tensor API.
 */
class RecurrentTest {
    private static Tensor randn(Random rnd, double scale, int... dims) {
        double[] a = new double[Shape.of(dims).numel()];
        for (int i = 0; i < a.length; i++) a[i] = scale * rnd.nextGaussian();
        return Tensor.fromArray(a, dims);
    }

    private static List<Tensor> weights(RnnParams p, Random rnd) {
        List<Tensor> w = new ArrayList<>();
        for (int i = 0; i < p.weightCount(); i++) w.add(randn(rnd, 0.5, p.weightShape(i).toArray()).requiresGrad(true));
        return w;
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    // ---- validation -----------------------------------------------------------------------------

    @Test
    void rejectsBadLengths() {
        RnnParams p = RnnParams.of(RnnMode.LSTM, 3, 4);
        Random rnd = new Random(1);
        Tensor x = randn(rnd, 1, 5, 2, 3);
        List<Tensor> w = weights(p, rnd);
        assertEquals("lstm: lengths[1] = 0, but every sequence needs length >= 1 (lengths [5, 0])",
                message(() -> Recurrent.rnn(x, new int[]{5, 0}, null, null, w, p, false, 0)));
        assertEquals("lstm: lengths[0] = 7 exceeds T = 5, the time dimension of input [5, 2, 3] (lengths [7, 2])",
                message(() -> Recurrent.rnn(x, new int[]{7, 2}, null, null, w, p, false, 0)));
        assertEquals("lstm: lengths has 3 entries for a batch of N=2 (input [5, 2, 3])",
                message(() -> Recurrent.rnn(x, new int[]{1, 2, 3}, null, null, w, p, false, 0)));
        assertTrue(message(() -> Recurrent.lengths(Tensor.fromArray(new float[]{1, 2}, 2))).startsWith("rnn: lengths must be INT32 or INT64"));
    }

    @Test
    void rejectsBadWeights() {
        RnnParams p = new RnnParams(RnnMode.GRU, 3, 4, 2, true, 0, 0);
        Random rnd = new Random(2);
        Tensor x = randn(rnd, 1, 5, 2, 3);
        List<Tensor> w = weights(p, rnd);
        List<Tensor> wrong = new ArrayList<>(w);
        wrong.set(p.weightIndex(1, 1, 1), randn(rnd, 1, 12, 5));
        assertEquals("gru: weight_hh_l1_reverse must have shape [12, 4] (gates·H, H with gates=3, H=4), got [12, 5]",
                message(() -> Recurrent.rnn(x, (int[]) null, null, null, wrong, p, false, 0)));
        List<Tensor> wrongIn = new ArrayList<>(w);
        wrongIn.set(p.weightIndex(1, 0, 0), randn(rnd, 1, 12, 4));
        assertEquals("gru: weight_ih_l1 must have shape [12, 8] (gates·H, in_l with gates=3, H=4, in_l=8), got [12, 4]",
                message(() -> Recurrent.rnn(x, (int[]) null, null, null, wrongIn, p, false, 0)));
        assertEquals("gru: weights must hold 4·L·D = 16 tensors (W_ih, W_hh, b_ih, b_hh per layer and direction), got 15",
                message(() -> Recurrent.rnn(x, (int[]) null, null, null, w.subList(0, 15), p, false, 0)));
        List<Tensor> noW = new ArrayList<>(w);
        noW.set(0, null);
        assertEquals("gru: weight_ih_l0 must not be null (only biases may be omitted)",
                message(() -> Recurrent.rnn(x, (int[]) null, null, null, noW, p, false, 0)));
        List<Tensor> f32 = new ArrayList<>(w);
        f32.set(2, Tensor.zeros(Shape.of(12), DType.FLOAT32));
        assertTrue(message(() -> Recurrent.rnn(x, (int[]) null, null, null, f32, p, false, 0)).startsWith("gru (bias_ih_l0): dtypes differ"));
    }

    @Test
    void rejectsBadInputAndStates() {
        RnnParams p = new RnnParams(RnnMode.RNN_TANH, 3, 4, 1, true, 0, 0);
        Random rnd = new Random(3);
        List<Tensor> w = weights(p, rnd);
        assertEquals("rnn_tanh: input [5, 2, 4] has 4 features, the network expects inputSize=3",
                message(() -> Recurrent.rnn(randn(rnd, 1, 5, 2, 4), w, p)));
        assertEquals("rnn_tanh: input must have rank 3 [T, N, inputSize] (time-major), got [5, 3] float64",
                message(() -> Recurrent.rnn(randn(rnd, 1, 5, 3), w, p)));
        Tensor x = randn(rnd, 1, 5, 2, 3);
        assertEquals("rnn_tanh: h0 must have shape [2, 2, 4] ([L·D, N, H]) for input [5, 2, 3], got [1, 2, 4]",
                message(() -> Recurrent.rnn(x, (int[]) null, randn(rnd, 1, 1, 2, 4), null, w, p, false, 0)));
        assertEquals("rnn_tanh: c0 is only for LSTM, got [2, 2, 4] float64",
                message(() -> Recurrent.rnn(x, (int[]) null, null, randn(rnd, 1, 2, 2, 4), w, p, false, 0)));
        assertEquals("rnn_tanh: dropout must be in [0, 1), got 1.0",
                message(() -> new RnnParams(RnnMode.RNN_TANH, 3, 4, 2, false, 1.0, 0)));
        assertEquals("lstm: numLayers must be >= 1, got 0", message(() -> new RnnParams(RnnMode.LSTM, 3, 4, 0, false, 0, 0)));
    }

    // ---- autograd -------------------------------------------------------------------------------

    /** Inputs of a gradient check; the loss projects y, hn and cn on fixed random tensors. */
    private static final class Case {
        final RnnParams p;
        final Tensor x, h0, c0, ry, rh, rc;
        final List<Tensor> w;
        final int[] lens;

        Case(RnnParams p, int steps, int batch, int[] lens, long seed) {
            this.p = p;
            this.lens = lens;
            Random rnd = new Random(seed);
            x = randn(rnd, 1, steps, batch, p.inputSize()).requiresGrad(true);
            int[] s = p.stateShape(batch).toArray();
            h0 = randn(rnd, 0.5, s).requiresGrad(true);
            c0 = p.mode() == RnnMode.LSTM ? randn(rnd, 0.5, s).requiresGrad(true) : null;
            w = weights(p, rnd);
            ry = randn(rnd, 1, p.outputShape(steps, batch).toArray());
            rh = randn(rnd, 1, s);
            rc = randn(rnd, 1, s);
        }

        Tensor loss(boolean training, long stream) {
            Recurrent.Result r = Recurrent.rnn(x, lens, h0, c0, w, p, training, stream);
            Tensor l = r.output().mul(ry).sum().add(r.hn().mul(rh).sum());
            return r.cn() == null ? l : l.add(r.cn().mul(rc).sum());
        }

        List<Tensor> leaves() {
            List<Tensor> all = new ArrayList<>(List.of(x, h0));
            if (c0 != null) all.add(c0);
            all.addAll(w);
            return all;
        }
    }

    /** Perturbs a FLOAT64 leaf in place (its storage, through a no-grad copy). */
    private static double[] numeric(Tensor leaf, DoubleSupplier loss) {
        double h = 1e-6;
        double[] v = leaf.toDoubleArray(), g = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double keep = v[i];
            v[i] = keep + h;
            set(leaf, v);
            double up = loss.getAsDouble();
            v[i] = keep - h;
            set(leaf, v);
            double down = loss.getAsDouble();
            v[i] = keep;
            set(leaf, v);
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    private static void set(Tensor leaf, double[] v) {
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            leaf.copyFrom(Tensor.fromArray(v, leaf.shape().toArray()));
        }
    }

    private static void assertGradient(String what, double[] analytic, double[] numeric) {
        double scale = 1e-3, err = 0;
        for (double v : numeric) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < numeric.length; i++) err = Math.max(err, Math.abs(analytic[i] - numeric[i]));
        if (!(err / scale < 1e-6)) fail(what + ": relative error " + err / scale + " >= 1e-6");
    }

    private static void check(Case c, boolean training, long stream) {
        for (Tensor t : c.leaves()) t.zeroGrad();
        c.loss(training, stream).backward();
        DoubleSupplier l = () -> {
            try (Autograd.NoGrad ng = Autograd.noGrad(); MemoryScope s = MemoryScope.open()) {
                return c.loss(training, stream).item();
            }
        };
        for (Tensor t : c.leaves()) assertGradient(c.p + " " + t.shape(), t.grad().toDoubleArray(), numeric(t, l));
    }

    @Test
    void gradientsThroughTheTensorApi() {
        long seed = 10;
        for (RnnMode mode : RnnMode.values())
            check(new Case(new RnnParams(mode, 2, 3, 2, true, 0.25, 4), 4, 3, new int[]{4, 1, 3}, seed++), true, 6);
    }

    @Test
    void gradientInEvalModeSkipsDropout() {
        Case c = new Case(new RnnParams(RnnMode.GRU, 2, 3, 2, false, 0.5, 4), 3, 2, null, 30);
        check(c, false, 0);
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            double eval = c.loss(false, 0).item();
            double noDropout = Recurrent.rnn(c.x, (int[]) null, c.h0, null, c.w, c.p.withoutDropout(), true, 0).output().mul(c.ry).sum()
                    .add(Recurrent.rnn(c.x, (int[]) null, c.h0, null, c.w, c.p.withoutDropout(), true, 0).hn().mul(c.rh).sum()).item();
            assertEquals(noDropout, eval, 1e-12);
        }
    }

    @Test
    void retainedGraphCanBeTraversedTwice() {
        Case c = new Case(new RnnParams(RnnMode.LSTM, 2, 3, 1, true, 0, 0), 3, 2, new int[]{3, 2}, 40);
        Tensor loss = c.loss(true, 0);
        loss.backward(Tensor.scalar(1, DType.FLOAT64), true);
        double[] once = c.w.get(1).grad().toDoubleArray();
        loss.backward(Tensor.scalar(1, DType.FLOAT64), false);
        double[] twice = c.w.get(1).grad().toDoubleArray();
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-12);
    }

    @Test
    void unusedOutputsGetNoGradientAndLengthsMayBeATensor() {
        Case c = new Case(new RnnParams(RnnMode.RNN_RELU, 2, 3, 1, false, 0, 0), 4, 2, null, 50);
        Recurrent.Result r = Recurrent.rnn(c.x, Recurrent.lengths(Tensor.fromArray(new long[]{4, 2}, 2)), c.h0, null, c.w, c.p, true, 0);
        assertNull(r.cn());
        assertEquals(Shape.of(4, 2, 3), r.output().shape());
        assertEquals(Shape.of(1, 2, 3), r.hn().shape());
        r.hn().sum().backward();
        // Only hn is used: the gradient of x at steps past sequence 1's end (t >= 2) is zero, and steps that feed hn are not.
        double[] dx = c.x.grad().toDoubleArray();
        for (int t = 2; t < 4; t++) for (int k = 0; k < 2; k++) assertEquals(0.0, dx[(t * 2 + 1) * 2 + k], 0.0);
        assertTrue(Arrays.stream(dx).anyMatch(v -> v != 0));
    }

    @Test
    void noGradientNoReserveAndOutputsMatchAcrossCalls() {
        Case c = new Case(new RnnParams(RnnMode.LSTM, 2, 3, 2, true, 0, 0), 3, 2, null, 60);
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            Recurrent.Result a = Recurrent.rnn(c.x, (int[]) null, c.h0, c.c0, c.w, c.p, false, 0);
            Recurrent.Result b = Recurrent.rnn(c.x, (int[]) null, c.h0, c.c0, c.w, c.p, true, 0);
            assertArrayEquals(a.output().toDoubleArray(), b.output().toDoubleArray(), 0.0);
            assertTrue(a.output().isLeaf());
        }
    }

    @Test
    void forwardAndBackwardLeakNothingInAStrictScope() {
        Case c = new Case(new RnnParams(RnnMode.LSTM, 2, 3, 2, true, 0.3, 1), 3, 2, new int[]{3, 1}, 70);
        try (MemoryScope s = MemoryScope.openStrict()) {
            c.loss(true, 0).backward();
        }
        assertEquals(Shape.of(12, 6), c.w.get(8).grad().shape());
    }
}
