package dev.dendrite.nn;

import dev.dendrite.Autograd;
import dev.dendrite.DType;
import dev.dendrite.MemoryScope;
import dev.dendrite.Recurrent;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.ops.RnnMode;
import dev.dendrite.ops.RnnParams;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link SimpleRNN}, {@link LSTM}, {@link GRU} and {@link Bidirectional} share: a whole-sequence
 * recurrent network ({@link Recurrent#rnn}, one fused call) with Keras's layer behaviour on top.
 * <ul>
 *   <li>Input {@code [N, T, F]} (batch-first, Keras's and the default) or {@code [T, N, F]}
 *       ({@link Builder#timeMajor}); optional per-sequence lengths for padded batches.</li>
 *   <li>Output: every step {@code [N, T, D·H]} with {@link Builder#returnSequences}, else the last
 *       state {@code [N, D·H]} of the top layer — each sequence's own last step, and for the reverse
 *       direction its state after step 0 (Keras's and PyTorch's convention).</li>
 *   <li>Stateful ({@link Builder#stateful}): each batch starts from the previous batch's final states
 *       (detached, so gradients stop at the batch boundary) until {@link #resetStates()}.</li>
 *   <li>Truncated backpropagation through time ({@link Builder#truncateBackprop}): the sequence is run
 *       in chunks of k steps, each starting from the previous chunk's final state detached; values
 *       are unchanged, gradients flow back at most k steps.</li>
 *   <li>Bias: {@link Bias#SINGLE} (Keras: one bias vector {@code b_ih}) or {@link Bias#DOUBLE}
 *       (cuDNN/PyTorch: {@code b_ih} and {@code b_hh}); {@link #describe()}, and so the summary, says
 *       which ({@code keras bias} / {@code cudnn bias}).</li>
 * </ul>
 * Parameters carry PyTorch's names ({@code weight_ih_l0}, {@code weight_hh_l0_reverse},
 * {@code bias_ih_l1}, ...) and layout (gate blocks stacked along rows; see {@link RnnParams}).
 * Default initialisation, Keras's: W_ih Glorot uniform, each gate block of W_hh orthogonal, biases
 * zero except the LSTM forget gate's, which is 1.
 */
public abstract class RecurrentLayer extends Module {
    /** How many bias vectors each layer and direction has. */
    public enum Bias {
        /** None: {@code W_ih x + W_hh h} only. */
        NONE,
        /** Keras: one vector, {@code b_ih} (for GRU the recurrent part of n then has no bias). */
        SINGLE,
        /** cuDNN and PyTorch: {@code b_ih} and {@code b_hh}. */
        DOUBLE
    }

    /** The three outputs of {@link #run}, batch-first unless the layer is time-major. */
    public record Output(Tensor output, Tensor hn, Tensor cn) {
    }

    final RnnMode mode;
    final int inputSize, hiddenSize, numLayers;
    final boolean bidirectional, returnSequences, stateful, timeMajor;
    final double dropout;
    final Bias bias;
    final int truncateSteps;
    final DType dtype;
    private final long dropoutSeed;
    private long calls;
    private Tensor carriedH, carriedC;

    RecurrentLayer(RnnMode mode, Builder<?, ?> b) {
        this.mode = mode;
        this.inputSize = b.inputSize;
        this.hiddenSize = b.hiddenSize;
        this.numLayers = b.numLayers;
        this.bidirectional = b.bidirectional;
        this.returnSequences = b.returnSequences;
        this.stateful = b.stateful;
        this.timeMajor = b.timeMajor;
        this.dropout = b.dropout;
        this.bias = b.bias;
        this.truncateSteps = b.truncateSteps;
        this.dtype = b.dtype;
        this.dropoutSeed = Init.currentSeed() * 31 + Init.nextStream();
        String name = getClass().getSimpleName();
        params(); // validates the sizes and the dropout
        if (truncateSteps > 0 && bidirectional)
            throw new IllegalArgumentException(name + ": truncated backpropagation needs a unidirectional layer (the reverse "
                    + "direction reads the future), got bidirectional with truncateBackprop(" + truncateSteps + ")");
    }

    /** Registers the parameters of every layer and direction under PyTorch's names, initialised as the class comment says. */
    void registerWeights() {
        RnnParams p = params();
        for (int i = 0; i < p.weightCount(); i++) {
            int k = i % 4;
            if ((k == 2 && bias == Bias.NONE) || (k == 3 && bias != Bias.DOUBLE)) continue;
            registerParameter(p.weightName(i), initialWeight(p, i));
        }
    }

    private Tensor initialWeight(RnnParams p, int index) {
        int gh = p.gates() * hiddenSize, k = index % 4;
        return switch (k) {
            case 0 -> Init.glorotUniform(p.weightShape(index), dtype);
            case 1 -> orthogonalBlocks(p.gates(), hiddenSize, dtype);
            default -> {
                double[] b = new double[gh];
                // Keras's unit_forget_bias: start by remembering (LSTM gate order i, f, g, o); only b_ih carries it.
                if (k == 2 && mode == RnnMode.LSTM) for (int j = hiddenSize; j < 2 * hiddenSize; j++) b[j] = 1;
                yield fromDoubles(b, dtype, gh);
            }
        };
    }

    /** {@code [G·H, H]} whose G square blocks each have orthonormal rows (Gram–Schmidt on Philox normals, so reproducible). */
    private static Tensor orthogonalBlocks(int gates, int h, DType dtype) {
        double[] a;
        try (Tensor r = Init.xavierNormal(Shape.of(gates * h, h), h, DType.FLOAT64)) {
            a = r.toDoubleArray();
        }
        for (int g = 0; g < gates; g++) {
            int base = g * h * h;
            for (int i = 0; i < h; i++) {
                for (int pass = 0; pass < 2; pass++) // twice is enough for orthogonality to rounding
                    for (int j = 0; j < i; j++) {
                        double dot = 0;
                        for (int c = 0; c < h; c++) dot += a[base + i * h + c] * a[base + j * h + c];
                        for (int c = 0; c < h; c++) a[base + i * h + c] -= dot * a[base + j * h + c];
                    }
                double norm = 0;
                for (int c = 0; c < h; c++) norm += a[base + i * h + c] * a[base + i * h + c];
                norm = Math.sqrt(norm);
                for (int c = 0; c < h; c++) a[base + i * h + c] = norm == 0 ? (c == i ? 1 : 0) : a[base + i * h + c] / norm;
            }
        }
        return fromDoubles(a, dtype, gates * h, h);
    }

    private static Tensor fromDoubles(double[] v, DType dtype, int... dims) {
        Tensor t = Tensor.fromArray(v, dims);
        if (dtype == DType.FLOAT64) return t;
        Tensor c = t.to(dtype);
        t.close();
        return c;
    }

    /** A new layer of the same cell and options with freshly initialised weights. */
    RecurrentLayer freshTwin() {
        return switch (mode) {
            case RNN_TANH, RNN_RELU -> SimpleRNN.builder(inputSize, hiddenSize).like(this).relu(mode == RnnMode.RNN_RELU).build();
            case LSTM -> LSTM.builder(inputSize, hiddenSize).like(this).build();
            case GRU -> GRU.builder(inputSize, hiddenSize).like(this).build();
        };
    }

    // ---- configuration ----------------------------------------------------------------------------

    /** The network this layer runs (as the primitive sees it). */
    public RnnParams params() {
        return new RnnParams(mode, inputSize, hiddenSize, numLayers, bidirectional, dropout, dropoutSeed);
    }

    /** The flat weight list in {@link RnnParams}' order (null where a bias is absent). */
    List<Tensor> weights() {
        RnnParams p = params();
        List<Tensor> w = new ArrayList<>(p.weightCount());
        for (int i = 0; i < p.weightCount(); i++) {
            String n = p.weightName(i);
            w.add(hasParam(n) ? param(n) : null);
        }
        return w;
    }

    /** Whether batches start from the previous batch's final states. */
    public boolean isStateful() {
        return stateful;
    }

    /** Whether {@link #forward} returns every step ({@code [N, T, D·H]}) rather than the last state ({@code [N, D·H]}). */
    public boolean returnsSequences() {
        return returnSequences;
    }

    /** Forgets the states carried between batches by a stateful layer (the next batch starts from zeros). */
    public void resetStates() {
        if (carriedH != null) carriedH.close();
        if (carriedC != null) carriedC.close();
        carriedH = carriedC = null;
    }

    /** The final hidden states {@code [L·D, N, H]} a stateful layer will start the next batch from, or null. */
    public Tensor carriedState() {
        return carriedH;
    }

    // ---- forward ----------------------------------------------------------------------------------

    /**
     * @param x {@code [N, T, inputSize]} (or {@code [T, N, inputSize]} when time-major)
     * @return {@code [N, T, D·H]} with return sequences, else {@code [N, D·H]}
     */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /**
     * Forward over a padded batch: sequence n covers steps {@code [0, lengths[n])}; outputs past its
     * end are zero and its last state is the one at its own end.
     * @param lengths N lengths in {@code [1, T]}, or null for all T
     */
    public Tensor forward(Tensor x, int[] lengths) {
        Output o = run(x, lengths, null, null);
        if (returnSequences) return o.output();
        int top = (numLayers - 1) * directions();
        Tensor hn = timeMajor ? o.hn() : o.hn().transpose(0, 1);   // back to [L·D, N, H]
        if (!bidirectional) return hn.select(0, top);
        return Tensor.concat(List.of(hn.select(0, top), hn.select(0, top + 1)), 1);
    }

    /**
     * The whole result: every step's output and the final states, batch-first ({@code output
     * [N, T, D·H]}, {@code hn}/{@code cn} {@code [N, L·D, H]}) unless the layer is time-major
     * ({@code [T, N, D·H]} and {@code [L·D, N, H]}, PyTorch's layout).
     * @param h0 initial hidden state in the same layout as {@code hn}, or null: zeros, or the carried
     *           state of a stateful layer
     * @param c0 initial cell state (LSTM), likewise
     */
    public Output run(Tensor x, int[] lengths, Tensor h0, Tensor c0) {
        String name = getClass().getSimpleName();
        if (x.rank() != 3)
            throw new IllegalArgumentException(name + ": input must have rank 3 " + (timeMajor ? "[T, N, features]" : "[N, T, features]")
                    + ", got " + x.shape());
        Tensor xt = timeMajor ? x : x.transpose(0, 1);
        int batch = xt.dim(1);
        Tensor h = h0 == null ? null : toStateLayout(h0);
        Tensor c = c0 == null ? null : toStateLayout(c0);
        if (stateful && h == null && carriedH != null) {
            if (carriedH.dim(1) != batch)
                throw new IllegalArgumentException(name + ": stateful layer carries states for a batch of " + carriedH.dim(1)
                        + ", got a batch of " + batch + " (input " + x.shape() + "); call resetStates() first");
            // Aliases, so that the next carry may close carriedH while this batch's graph still reads it.
            h = carriedH.detach();
            if (c == null && carriedC != null) c = carriedC.detach();
        }
        boolean training = isTraining();
        Recurrent.Result r = truncateSteps > 0 && xt.dim(0) > truncateSteps
                ? runTruncated(xt, lengths, h, c, training)
                : Recurrent.rnn(xt, lengths, h, c, weights(), params(), training, calls++);
        if (stateful) carry(r.hn(), r.cn());
        if (timeMajor) return new Output(r.output(), r.hn(), r.cn());
        return new Output(r.output().transpose(0, 1), r.hn().transpose(0, 1), r.cn() == null ? null : r.cn().transpose(0, 1));
    }

    private Tensor toStateLayout(Tensor s) {
        return timeMajor ? s : s.transpose(0, 1);
    }

    private int directions() {
        return bidirectional ? 2 : 1;
    }

    private void carry(Tensor hn, Tensor cn) {
        resetStates();
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            carriedH = MemoryScope.release(hn.detach().copy());
            carriedC = cn == null ? null : MemoryScope.release(cn.detach().copy());
        }
    }

    /**
     * Note [Truncated BPTT in chunks]
     * Chunk [s, s + k) runs from the previous chunk's final states, detached, so no gradient crosses a
     * chunk boundary while the values are exactly those of one long run. A sequence that ended before s
     * still needs a length >= 1 for the primitive, so it runs one (ignored) step: its outputs are masked
     * to zero and its final state is kept from the previous chunk by the same mask.
     */
    private Recurrent.Result runTruncated(Tensor xt, int[] lengths, Tensor h0, Tensor c0, boolean training) {
        int steps = xt.dim(0), batch = xt.dim(1), k = truncateSteps;
        List<Tensor> outs = new ArrayList<>();
        Tensor h = h0, c = c0;
        long stream = calls++;
        RnnParams p = params();
        for (int s = 0, chunk = 0; s < steps; s += k, chunk++) {
            int len = Math.min(k, steps - s);
            int[] chunkLens = null;
            double[] active = null;
            if (lengths != null) {
                chunkLens = new int[batch];
                active = new double[batch];
                for (int n = 0; n < batch; n++) {
                    int left = lengths[n] - s;
                    chunkLens[n] = Math.max(1, Math.min(len, left));
                    active[n] = left > 0 ? 1 : 0;
                }
            }
            Tensor hIn = h == null ? null : h.detach(), cIn = c == null ? null : c.detach();
            // Each chunk draws its dropout masks from its own stream.
            Recurrent.Result r = Recurrent.rnn(xt.narrow(0, s, len), chunkLens, hIn, cIn, weights(), p, training,
                    stream * 1_000_003L + chunk);
            Tensor y = r.output(), hn = r.hn(), cn = r.cn();
            if (active != null && hasInactive(active)) {
                Tensor a = Tensor.fromArray(active, 1, batch, 1).to(xt.dtype()), na = a.rsub(1);
                y = y.mul(a);
                // h is null only for the first chunk, where every sequence is active.
                hn = hn.mul(a).add(hIn.mul(na));
                if (cn != null) cn = cn.mul(a).add(cIn == null ? cn.mul(0) : cIn.mul(na));
            }
            outs.add(y);
            h = hn;
            c = cn;
        }
        return new Recurrent.Result(Tensor.concat(outs, 0), h, c);
    }

    private static boolean hasInactive(double[] active) {
        for (double a : active) if (a == 0) return true;
        return false;
    }

    // ---- description ------------------------------------------------------------------------------

    /**
     * What summaries print, bias first so that it survives a narrow column:
     * {@code LSTM(8→16, keras bias)} (single bias), {@code GRU(8→16×2, cudnn bias, bidir, seq)} (two
     * layers, double bias, bidirectional, return sequences), then dropout, stateful and truncation.
     */
    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(').append(inputSize).append('→').append(hiddenSize);
        if (numLayers > 1) sb.append('×').append(numLayers);
        sb.append(switch (bias) {
            case NONE -> ", no bias";
            case SINGLE -> ", keras bias";
            case DOUBLE -> ", cudnn bias";
        });
        if (bidirectional) sb.append(", bidir");
        if (returnSequences) sb.append(", seq");
        if (dropout > 0) sb.append(", drop ").append(dropout);
        if (stateful) sb.append(", stateful");
        if (truncateSteps > 0) sb.append(", tbptt ").append(truncateSteps);
        return sb.append(')').toString();
    }

    @Override
    public void close() {
        resetStates();
        super.close();
    }

    // ---- builder ----------------------------------------------------------------------------------

    /**
     * Options of a recurrent layer; {@code build()} makes it. Defaults: one layer, unidirectional,
     * batch-first, last state only, not stateful, no dropout, no truncation, FLOAT32, and the bias
     * of the layer class ({@link SimpleRNN} and {@link LSTM} single, {@link GRU} double, as Keras).
     */
    public abstract static class Builder<L extends RecurrentLayer, B extends Builder<L, B>> {
        final int inputSize, hiddenSize;
        int numLayers = 1;
        boolean bidirectional, returnSequences, stateful, timeMajor;
        double dropout;
        Bias bias;
        int truncateSteps;
        DType dtype = DType.FLOAT32;

        Builder(int inputSize, int hiddenSize, Bias defaultBias) {
            this.inputSize = inputSize;
            this.hiddenSize = hiddenSize;
            this.bias = defaultBias;
        }

        /** Stacked layers (each layer's output feeds the next). */
        public B layers(int n) {
            numLayers = n;
            return self();
        }

        /** Runs every layer in both directions and concatenates them (output {@code 2·H} features). */
        public B bidirectional(boolean b) {
            bidirectional = b;
            return self();
        }

        /** Drop probability between stacked layers, in training only. */
        public B dropout(double p) {
            dropout = p;
            return self();
        }

        /** Return every step's output {@code [N, T, D·H]} rather than the last state {@code [N, D·H]}. */
        public B returnSequences(boolean b) {
            returnSequences = b;
            return self();
        }

        /** Start each batch from the previous batch's final states (see {@link RecurrentLayer#resetStates()}). */
        public B stateful(boolean b) {
            stateful = b;
            return self();
        }

        /** Input {@code [T, N, F]} instead of {@code [N, T, F]}. */
        public B timeMajor(boolean b) {
            timeMajor = b;
            return self();
        }

        /** One (Keras), two (cuDNN) or no bias vectors per layer and direction. */
        public B bias(Bias b) {
            if (b == null) throw new IllegalArgumentException("recurrent layer: bias must not be null");
            bias = b;
            return self();
        }

        /** Truncated backpropagation through time: gradients flow back at most {@code k} steps (0 = off). */
        public B truncateBackprop(int k) {
            if (k < 0) throw new IllegalArgumentException("recurrent layer: truncateBackprop must be >= 0, got " + k);
            truncateSteps = k;
            return self();
        }

        /** Parameter dtype (FLOAT32 or FLOAT64); inputs must match. */
        public B dtype(DType d) {
            dtype = d;
            return self();
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /** Copies every option but the sizes from {@code l} (used to make a layer's twin). */
        B like(RecurrentLayer l) {
            numLayers = l.numLayers;
            bidirectional = l.bidirectional;
            returnSequences = l.returnSequences;
            stateful = l.stateful;
            timeMajor = l.timeMajor;
            dropout = l.dropout;
            bias = l.bias;
            truncateSteps = l.truncateSteps;
            dtype = l.dtype;
            return self();
        }

        /** The layer, with freshly initialised weights. */
        public abstract L build();
    }
}
