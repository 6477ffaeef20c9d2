package dev.dendrite.nn;

import dev.dendrite.ops.RnnMode;

/**
 * Gated recurrent unit layer, with the reset gate applied after the recurrent product (cuDNN's,
 * PyTorch's and Keras's {@code reset_after=True} variant). Gates r, z, n (in that order in the rows):
 * <pre>
 * r = σ(W_ir x + b_ir + W_hr h + b_hr)     z = σ(W_iz x + b_iz + W_hz h + b_hz)
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 * h' = (1 − z) ⊙ n + z ⊙ h
 * </pre>
 * Input {@code [N, T, inputSize]}, output {@code [N, H]} (last state) or {@code [N, T, H]}
 * (sequences); see {@link RecurrentLayer}. Default bias: double, which is also Keras's count for
 * {@code reset_after=True}: {@code 3·(H·in + H·H + 2H)} parameters.
 */
public class GRU extends RecurrentLayer {
    /** One layer, double bias, last state only, FLOAT32. */
    public GRU(int inputSize, int hiddenSize) {
        this(builder(inputSize, hiddenSize));
    }

    private GRU(Builder b) {
        super(RnnMode.GRU, b);
        registerWeights();
    }

    public static Builder builder(int inputSize, int hiddenSize) {
        return new Builder(inputSize, hiddenSize);
    }

    /** Options of a {@link GRU}; see {@link RecurrentLayer.Builder}. */
    public static final class Builder extends RecurrentLayer.Builder<GRU, Builder> {
        Builder(int inputSize, int hiddenSize) {
            super(inputSize, hiddenSize, Bias.DOUBLE);
        }

        @Override
        public GRU build() {
            return new GRU(this);
        }
    }
}
