package dev.dendrite.ops;

import dev.dendrite.Shape;

/**
 * A whole-sequence recurrent network, in the shape of cuDNN's v8 RNN descriptor: the cell
 * ({@link RnnMode}), input and hidden sizes, number of stacked layers, uni- or bidirectional, and
 * dropout between stacked layers.
 *
 * <h2>Equations</h2>
 * For one layer and direction, with input {@code x_t}, previous state {@code h} (and {@code c}),
 * σ the logistic sigmoid and ⊙ the elementwise product:
 * <pre>
 * RNN_TANH  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
 * RNN_RELU  h' = relu(W_ih x + b_ih + W_hh h + b_hh)
 * LSTM      i = σ(W_ii x + b_ii + W_hi h + b_hi)        input gate
 *           f = σ(W_if x + b_if + W_hf h + b_hf)        forget gate
 *           g = tanh(W_ig x + b_ig + W_hg h + b_hg)     cell candidate
 *           o = σ(W_io x + b_io + W_ho h + b_ho)        output gate
 *           c' = f ⊙ c + i ⊙ g,   h' = o ⊙ tanh(c')
 * GRU       r = σ(W_ir x + b_ir + W_hr h + b_hr)        reset gate
 *           z = σ(W_iz x + b_iz + W_hz h + b_hz)        update gate
 *           n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))   (reset applied after the recurrent product)
 *           h' = (1 − z) ⊙ n + z ⊙ h
 * </pre>
 * These are cuDNN's and PyTorch's equations exactly.
 *
 * <h2>Weights</h2>
 * Per layer {@code l} and direction {@code d} (0 forward, 1 reverse) there are four tensors, the
 * gate blocks stacked along rows in the order above (LSTM i, f, g, o; GRU r, z, n):
 * <pre>
 * W_ih [gates·H, in_l]   in_0 = inputSize, in_l = directions·H for l ≥ 1
 * W_hh [gates·H, H]
 * b_ih [gates·H]
 * b_hh [gates·H]
 * </pre>
 * In a flat list they come in the order {@code for l: for d: W_ih, W_hh, b_ih, b_hh}, i.e. tensor
 * {@code k} of (l, d) is at {@link #weightIndex(int, int, int) (l·D + d)·4 + k}. A layer with a
 * single (Keras-style) bias passes no {@code b_hh}, which the equations then read as zero.
 *
 * <h2>Layout and states</h2>
 * Input {@code [T, N, inputSize]} (time-major), output {@code [T, N, D·H]} with the forward
 * direction's {@code h} in columns {@code [0, H)} and the reverse one's in {@code [H, 2H)}; states
 * {@code h0, hn, c0, cn} are {@code [L·D, N, H]} with index {@code l·D + d}. With sequence lengths,
 * sequence n covers steps {@code [0, len_n)}: outputs past its end are zero, its final state is
 * the state at its own end, and the reverse direction starts at step {@code len_n − 1}.
 *
 * <h2>Dropout</h2>
 * In training, the output of every layer but the last is multiplied by an inverted-dropout mask
 * before it feeds the next layer: keep element {@code e} iff
 * {@code Philox.uniformFloat(bits(dropoutSeed, stream, e)) >= (float) dropout}, scale kept ones by
 * {@code 1/(1 − dropout)}, where {@code e} is the row-major index into a logical mask tensor
 * {@code [L − 1, T, N, D·H]} and {@code stream} is supplied per call — the same rule as the
 * standalone dropout op, so every backend draws the same masks.
 *
 * @param mode the cell
 * @param inputSize features of the input, {@code >= 1}
 * @param hiddenSize H, {@code >= 1}
 * @param numLayers L, stacked layers, {@code >= 1}
 * @param bidirectional D = 2 when true, else 1
 * @param dropout drop probability between stacked layers, in {@code [0, 1)}
 * @param dropoutSeed Philox seed of the dropout masks
 */
public record RnnParams(RnnMode mode, int inputSize, int hiddenSize, int numLayers, boolean bidirectional,
                        double dropout, long dropoutSeed) {
    public RnnParams {
        if (mode == null) throw new IllegalArgumentException("rnn: mode must not be null");
        String op = mode.opName();
        if (inputSize < 1) throw new IllegalArgumentException(op + ": inputSize must be >= 1, got " + inputSize);
        if (hiddenSize < 1) throw new IllegalArgumentException(op + ": hiddenSize must be >= 1, got " + hiddenSize);
        if (numLayers < 1) throw new IllegalArgumentException(op + ": numLayers must be >= 1, got " + numLayers);
        if (!(dropout >= 0 && dropout < 1))
            throw new IllegalArgumentException(op + ": dropout must be in [0, 1), got " + dropout);
        long rows = (long) mode.gates() * hiddenSize;
        if (rows * Math.max(inputSize, (long) (bidirectional ? 2 : 1) * hiddenSize) > Integer.MAX_VALUE)
            throw new IllegalArgumentException(op + ": weights of " + rows + " rows are too large (hiddenSize=" + hiddenSize
                    + ", inputSize=" + inputSize + ")");
    }

    /** One layer, one direction, no dropout. */
    public static RnnParams of(RnnMode mode, int inputSize, int hiddenSize) {
        return new RnnParams(mode, inputSize, hiddenSize, 1, false, 0, 0);
    }

    /** Same network without dropout (what inference, or a gradient in eval mode, runs). */
    public RnnParams withoutDropout() {
        return dropout == 0 ? this : new RnnParams(mode, inputSize, hiddenSize, numLayers, bidirectional, 0, dropoutSeed);
    }

    /** D: 2 when bidirectional, else 1. */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /** Gate blocks per weight: 1, 1, 4, 3. */
    public int gates() {
        return mode.gates();
    }

    /** Features of the output {@code y}: {@code D·H}. */
    public int outputSize() {
        return directions() * hiddenSize;
    }

    /** Input features of layer {@code l}: {@code inputSize} for layer 0, {@code D·H} above. */
    public int layerInputSize(int layer) {
        checkLayer(layer);
        return layer == 0 ? inputSize : outputSize();
    }

    /** {@code [gates·H, in_l]}. */
    public Shape weightIhShape(int layer) {
        return Shape.of(gates() * hiddenSize, layerInputSize(layer));
    }

    /** {@code [gates·H, H]}. */
    public Shape weightHhShape() {
        return Shape.of(gates() * hiddenSize, hiddenSize);
    }

    /** {@code [gates·H]}, for both b_ih and b_hh. */
    public Shape biasShape() {
        return Shape.of(gates() * hiddenSize);
    }

    /** Number of tensors in the flat weight list: {@code 4·L·D}. */
    public int weightCount() {
        return 4 * numLayers * directions();
    }

    /** Index of tensor {@code k} (0 W_ih, 1 W_hh, 2 b_ih, 3 b_hh) of layer {@code l}, direction {@code d}: {@code (l·D + d)·4 + k}. */
    public int weightIndex(int layer, int direction, int k) {
        checkLayer(layer);
        if (direction < 0 || direction >= directions())
            throw new IllegalArgumentException(mode.opName() + ": direction " + direction + " out of range [0, " + directions() + ")");
        if (k < 0 || k > 3) throw new IllegalArgumentException(mode.opName() + ": weight kind " + k + " out of range [0, 4)");
        return (layer * directions() + direction) * 4 + k;
    }

    /** Shape of the tensor at flat index {@code i} of the weight list. */
    public Shape weightShape(int index) {
        int k = index % 4, ld = index / 4, layer = ld / directions();
        return switch (k) {
            case 0 -> weightIhShape(layer);
            case 1 -> weightHhShape();
            default -> biasShape();
        };
    }

    /** PyTorch's name of the tensor at flat index {@code i}: {@code weight_ih_l0}, {@code bias_hh_l1_reverse}, ... */
    public String weightName(int index) {
        if (index < 0 || index >= weightCount())
            throw new IllegalArgumentException(mode.opName() + ": weight index " + index + " out of range [0, " + weightCount() + ")");
        int k = index % 4, ld = index / 4, layer = ld / directions(), dir = ld % directions();
        String base = switch (k) {
            case 0 -> "weight_ih";
            case 1 -> "weight_hh";
            case 2 -> "bias_ih";
            default -> "bias_hh";
        };
        return base + "_l" + layer + (dir == 1 ? "_reverse" : "");
    }

    /** Shape of h0, hn, c0, cn for a batch of {@code n}: {@code [L·D, N, H]}. */
    public Shape stateShape(int batch) {
        return Shape.of(numLayers * directions(), batch, hiddenSize);
    }

    /** Shape of the output for {@code steps} steps and a batch of {@code n}: {@code [T, N, D·H]}. */
    public Shape outputShape(int steps, int batch) {
        return Shape.of(steps, batch, outputSize());
    }

    /** Trainable elements: per layer and direction {@code gates·H·(in_l + H)} plus one or two bias vectors of {@code gates·H}. */
    public long parameterCount(boolean doubleBias) {
        long n = 0;
        int gh = gates() * hiddenSize;
        for (int l = 0; l < numLayers; l++)
            n += (long) directions() * ((long) gh * (layerInputSize(l) + hiddenSize) + (doubleBias ? 2L : 1L) * gh);
        return n;
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= numLayers)
            throw new IllegalArgumentException(mode.opName() + ": layer " + layer + " out of range [0, " + numLayers + ")");
    }

    @Override
    public String toString() {
        return mode.opName() + "(" + inputSize + "→" + hiddenSize + ", layers=" + numLayers + (bidirectional ? ", bidirectional" : "")
                + (dropout > 0 ? ", dropout=" + dropout : "") + ")";
    }
}
