package dev.dendrite;

import dev.dendrite.ops.RnnMode;
import dev.dendrite.ops.RnnParams;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.View;

import java.util.Arrays;
import java.util.List;

/**
 * Whole-sequence recurrent networks with autograd: vanilla RNN (tanh or relu), LSTM and GRU,
 * stacked and optionally bidirectional, with optional initial states, padded variable-length
 * batches and dropout between layers — cuDNN's v8 RNN API, declared once. The equations, gate order
 * and weight order are on {@link RnnParams}. The op validates every operand here, calls the backend's
 * {@code rnnForward}, and records a backward rule built from {@code rnnBackwardData} and
 * {@code rnnBackwardWeights}.
 * <pre>{@code
 * RnnParams p = new RnnParams(RnnMode.LSTM, 8, 16, 2, true, 0.0, 0);
 * Recurrent.Result r = Recurrent.rnn(x, lengths, null, null, weights, p, true, step);  // x [T, N, 8]
 * r.output();   // [T, N, 32]
 * r.hn();       // [4, N, 16]
 * }</pre>
 */
public final class Recurrent {
    private Recurrent() {
    }

    /**
     * The three outputs of {@link #rnn}. All three are views of one buffer, so a loss on any of
     * them backpropagates through the same recorded op.
     *
     * @param output {@code y [T, N, D·H]}: every step's top-layer hidden state (zero past each sequence's end)
     * @param hn final hidden states {@code [L·D, N, H]}, at each sequence's own end
     * @param cn final cell states {@code [L·D, N, H]} for LSTM, else null
     */
    public record Result(Tensor output, Tensor hn, Tensor cn) {
    }

    /** {@link #rnn(Tensor, int[], Tensor, Tensor, List, RnnParams, boolean, long)} with full-length sequences, zero initial states, no dropout. */
    public static Result rnn(Tensor x, List<Tensor> weights, RnnParams p) {
        return rnn(x, (int[]) null, null, null, weights, p, false, 0);
    }

    /**
     * Runs a recurrent network over whole sequences.
     *
     * @param x input {@code [T, N, inputSize]}, time-major, floating point
     * @param lengths N sequence lengths, each in {@code [1, T]}, or null when every sequence has T steps.
     *                Sequence n covers steps {@code [0, lengths[n])}; see {@link RnnParams} for padding
     * @param h0 initial hidden state {@code [L·D, N, H]}, or null for zeros
     * @param c0 initial cell state {@code [L·D, N, H]} (LSTM only), or null for zeros
     * @param weights {@code 4·L·D} tensors in the order {@code for layer: for direction: W_ih [G·H, in_l],
     *                W_hh [G·H, H], b_ih [G·H], b_hh [G·H]}; biases may be null (read as zero)
     * @param p the network
     * @param training applies dropout between layers (when {@code p.dropout() > 0})
     * @param dropoutStream Philox stream of this call's dropout masks (seed {@code p.dropoutSeed()});
     *                      advance it per call so that masks differ between steps of training
     * @return the output sequence and the final states
     * @throws IllegalArgumentException naming the op and the offending values for any shape, dtype,
     *         device or length that does not fit
     */
    public static Result rnn(Tensor x, int[] lengths, Tensor h0, Tensor c0, List<Tensor> weights, RnnParams p,
                             boolean training, long dropoutStream) {
        String op = p.mode().opName();
        int[] lens = checkOperands(op, x, lengths, h0, c0, weights, p);
        Tensor[] ws = weights.toArray(new Tensor[0]);

        Backend be = x.backend();
        int steps = x.dim(0), batch = x.dim(1);
        Tensor xc = x.contiguous();
        boolean needGrad = Autograd.isGradEnabled() && anyRequiresGrad(x, h0, c0, ws);
        // Dropout only in training; a gradient in eval mode runs a training forward without dropout (Note [RNN primitives mirror cuDNN v8]).
        RnnParams fp = training ? p : p.withoutDropout();
        boolean saveReserve = training || needGrad;

        Shape yShape = p.outputShape(steps, batch), sShape = p.stateShape(batch);
        boolean lstm = p.mode() == RnnMode.LSTM;
        int yLen = yShape.numel(), sLen = sShape.numel();
        Tensor packed = Tensor.empty(Shape.of(yLen + sLen * (lstm ? 2 : 1)), x.dtype(), be);
        View pv = packed.view();
        View yv = window(pv, yShape, 0), hyv = window(pv, sShape, yLen), cyv = lstm ? window(pv, sShape, yLen + sLen) : null;

        Backend.RnnReserve reserve = be.rnnForward(fp, saveReserve, dropoutStream, lens, xc.view(), viewOrNull(h0),
                viewOrNull(c0), views(ws), yv, hyv, cyv);
        if (!needGrad) {
            if (reserve != null) reserve.close();
            return split(packed, yShape, sShape, lstm);
        }

        Tensor[] inputs = new Tensor[3 + ws.length];
        inputs[0] = x;
        inputs[1] = h0;
        inputs[2] = c0;
        System.arraycopy(ws, 0, inputs, 3, ws.length);
        Backend.RnnReserve[] held = {reserve};
        Autograd.record(op, packed, g -> {
            Backend.RnnReserve r = held[0];
            held[0] = null;
            if (r == null) r = rerunForward(be, fp, dropoutStream, lens, xc, h0, c0, ws, yShape, sShape, lstm);
            try {
                return backward(be, fp, lens, r, g.contiguous(), xc, h0, c0, ws, yv, yShape, sShape, lstm);
            } finally {
                r.close();
            }
        }, inputs);
        return split(packed, yShape, sShape, lstm);
    }

    /**
     * Sequence lengths held in an INT32 or INT64 tensor {@code [N]}, copied to the host for
     * {@link #rnn}: the lengths shape the computation (which steps run), so they are host data, as
     * cuDNN's sequence-length array is. Values are checked by {@code rnn}.
     */
    public static int[] lengths(Tensor lengths) {
        ShapeRules.integral("rnn", "lengths", lengths);
        ShapeRules.rank("rnn", "lengths", lengths, 1);
        return lengths.toIntArray();
    }

    // ---- validation ------------------------------------------------------------------------------

    /** Every check of the op, before anything is allocated; returns the lengths (null for all T). */
    static int[] checkOperands(String op, Tensor x, int[] lengths, Tensor h0, Tensor c0, List<Tensor> weights, RnnParams p) {
        if (x == null) throw new IllegalArgumentException(op + ": input must not be null");
        ShapeRules.floatingPoint(op, x);
        if (x.rank() != 3)
            throw new IllegalArgumentException(op + ": input must have rank 3 [T, N, inputSize] (time-major), got " + ShapeRules.describe(x));
        int steps = x.dim(0), batch = x.dim(1);
        if (steps < 1 || batch < 1)
            throw new IllegalArgumentException(op + ": input " + x.shape() + " needs at least one step and one sequence (T >= 1, N >= 1)");
        if (x.dim(2) != p.inputSize())
            throw new IllegalArgumentException(op + ": input " + x.shape() + " has " + x.dim(2) + " features, the network expects inputSize="
                    + p.inputSize());
        long largest = (long) steps * batch * Math.max(p.gates() * p.hiddenSize(), p.outputSize()) * 2;
        if (largest > Integer.MAX_VALUE)
            throw new IllegalArgumentException(op + ": input " + x.shape() + " with hiddenSize=" + p.hiddenSize()
                    + " needs buffers of " + largest + " elements, more than one tensor can hold");
        int[] lens = null;
        if (lengths != null) {
            if (lengths.length != batch)
                throw new IllegalArgumentException(op + ": lengths has " + lengths.length + " entries for a batch of N=" + batch
                        + " (input " + x.shape() + ")");
            for (int n = 0; n < batch; n++) {
                if (lengths[n] < 1)
                    throw new IllegalArgumentException(op + ": lengths[" + n + "] = " + lengths[n] + ", but every sequence needs length >= 1 (lengths "
                            + Arrays.toString(lengths) + ")");
                if (lengths[n] > steps)
                    throw new IllegalArgumentException(op + ": lengths[" + n + "] = " + lengths[n] + " exceeds T = " + steps
                            + ", the time dimension of input " + x.shape() + " (lengths " + Arrays.toString(lengths) + ")");
            }
            lens = lengths.clone();
        }
        Shape stateShape = p.stateShape(batch);
        checkState(op, "h0", h0, x, stateShape);
        if (c0 != null && p.mode() != RnnMode.LSTM)
            throw new IllegalArgumentException(op + ": c0 is only for LSTM, got " + ShapeRules.describe(c0));
        checkState(op, "c0", c0, x, stateShape);
        if (weights == null || weights.size() != p.weightCount())
            throw new IllegalArgumentException(op + ": weights must hold 4·L·D = " + p.weightCount()
                    + " tensors (W_ih, W_hh, b_ih, b_hh per layer and direction), got " + (weights == null ? "null" : weights.size()));
        for (int i = 0; i < weights.size(); i++) {
            Tensor w = weights.get(i);
            String name = p.weightName(i);
            if (w == null) {
                if (i % 4 < 2) throw new IllegalArgumentException(op + ": " + name + " must not be null (only biases may be omitted)");
                continue;
            }
            ShapeRules.sameDTypeAndDevice(op + " (" + name + ")", x, w);
            Shape expected = p.weightShape(i);
            if (!w.shape().equals(expected))
                throw new IllegalArgumentException(op + ": " + name + " must have shape " + expected + " ("
                        + (i % 4 == 0 ? "gates·H, in_l" : i % 4 == 1 ? "gates·H, H" : "gates·H") + " with gates=" + p.gates()
                        + ", H=" + p.hiddenSize() + (i % 4 == 0 ? ", in_l=" + expected.dim(1) : "") + "), got " + w.shape());
        }
        return lens;
    }

    private static void checkState(String op, String what, Tensor s, Tensor x, Shape expected) {
        if (s == null) return;
        ShapeRules.sameDTypeAndDevice(op + " (" + what + ")", x, s);
        if (!s.shape().equals(expected))
            throw new IllegalArgumentException(op + ": " + what + " must have shape " + expected + " ([L·D, N, H]) for input "
                    + x.shape() + ", got " + s.shape());
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static boolean anyRequiresGrad(Tensor x, Tensor h0, Tensor c0, Tensor[] ws) {
        if (x.requiresGrad() || (h0 != null && h0.requiresGrad()) || (c0 != null && c0.requiresGrad())) return true;
        for (Tensor w : ws) if (w != null && w.requiresGrad()) return true;
        return false;
    }

    /** A contiguous window {@code shape} of a flat buffer starting at {@code offset}. */
    private static View window(View flat, Shape shape, int offset) {
        return new View(flat.storage(), shape.toArray(), shape.contiguousStrides(), flat.offset() + offset);
    }

    private static View viewOrNull(Tensor t) {
        return t == null ? null : t.view();
    }

    private static View[] views(Tensor[] ts) {
        View[] v = new View[ts.length];
        for (int i = 0; i < ts.length; i++) v[i] = viewOrNull(ts[i]);
        return v;
    }

    private static Result split(Tensor packed, Shape yShape, Shape sShape, boolean lstm) {
        int yLen = yShape.numel(), sLen = sShape.numel();
        Tensor y = packed.narrow(0, 0, yLen).reshape(yShape);
        Tensor hn = packed.narrow(0, yLen, sLen).reshape(sShape);
        Tensor cn = lstm ? packed.narrow(0, yLen + sLen, sLen).reshape(sShape) : null;
        return new Result(y, hn, cn);
    }

    /**
     * A second pass through a retained graph: the first backward consumed the reserve, so the
     * (deterministic: same inputs, same dropout stream) training forward runs again into scratch outputs.
     */
    private static Backend.RnnReserve rerunForward(Backend be, RnnParams fp, long stream, int[] lens, Tensor xc, Tensor h0, Tensor c0,
                                                   Tensor[] ws, Shape yShape, Shape sShape, boolean lstm) {
        try (Tensor y = Tensor.empty(yShape, xc.dtype(), be); Tensor hy = Tensor.empty(sShape, xc.dtype(), be)) {
            return be.rnnForward(fp, true, stream, lens, xc.view(), viewOrNull(h0), viewOrNull(c0), views(ws), y.view(), hy.view(), null);
        }
    }

    /** Backward-data, then backward-weights; gradients in the order of the recorded inputs (x, h0, c0, weights...). */
    private static Tensor[] backward(Backend be, RnnParams fp, int[] lens, Backend.RnnReserve reserve, Tensor g, Tensor xc,
                                     Tensor h0, Tensor c0, Tensor[] ws, View yv, Shape yShape, Shape sShape, boolean lstm) {
        View gv = g.view();
        int yLen = yShape.numel(), sLen = sShape.numel();
        View dy = window(gv, yShape, 0), dhy = window(gv, sShape, yLen), dcy = lstm ? window(gv, sShape, yLen + sLen) : null;
        Tensor dx = Tensor.empty(xc.shape(), xc.dtype(), be);
        Tensor dh0 = h0 != null && h0.requiresGrad() ? Tensor.empty(h0.shape(), h0.dtype(), be) : null;
        Tensor dc0 = c0 != null && c0.requiresGrad() ? Tensor.empty(c0.shape(), c0.dtype(), be) : null;
        View[] wv = views(ws);
        be.rnnBackwardData(fp, lens, reserve, yv, dy, viewOrNull(h0), dhy, viewOrNull(c0), dcy, wv,
                dx.view(), viewOrNull(dh0), viewOrNull(dc0));
        Tensor[] out = new Tensor[3 + ws.length];
        out[0] = dx;
        out[1] = dh0;
        out[2] = dc0;
        boolean anyWeight = false;
        View[] dwv = new View[ws.length];
        for (int i = 0; i < ws.length; i++) {
            if (ws[i] != null && ws[i].requiresGrad()) {
                out[3 + i] = Tensor.empty(ws[i].shape(), ws[i].dtype(), be);
                dwv[i] = out[3 + i].view();
                anyWeight = true;
            }
        }
        if (anyWeight) be.rnnBackwardWeights(fp, lens, reserve, xc.view(), viewOrNull(h0), yv, dwv);
        return out;
    }
}
