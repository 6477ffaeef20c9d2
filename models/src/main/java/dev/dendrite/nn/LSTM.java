package dev.dendrite.nn;

import dev.dendrite.ops.RnnMode;

/**
 * Long short-term memory layer. Gates i, f, g, o (in that order in the weight rows):
 * <pre>
 * i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(W_if x + b_if + W_hf h + b_hf)
 * g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = σ(W_io x + b_io + W_ho h + b_ho)
 * c' = f ⊙ c + i ⊙ g                       h' = o ⊙ tanh(c')
 * </pre>
 * Input {@code [N, T, inputSize]}, output {@code [N, H]} (last state) or {@code [N, T, H]}
 * (sequences); see {@link RecurrentLayer}. Default bias: single (Keras), so
 * {@code LSTM(in → H)} has {@code 4·(H·in + H·H + H)} parameters; the forget-gate bias starts at 1.
 */
public class LSTM extends RecurrentLayer {
    /** One layer, single (Keras) bias, last state only, FLOAT32. */
    public LSTM(int inputSize, int hiddenSize) {
        this(builder(inputSize, hiddenSize));
    }

    private LSTM(Builder b) {
        super(RnnMode.LSTM, b);
        registerWeights();
    }

    public static Builder builder(int inputSize, int hiddenSize) {
        return new Builder(inputSize, hiddenSize);
    }

    /** Options of an {@link LSTM}; see {@link RecurrentLayer.Builder}. */
    public static final class Builder extends RecurrentLayer.Builder<LSTM, Builder> {
        Builder(int inputSize, int hiddenSize) {
            super(inputSize, hiddenSize, Bias.SINGLE);
        }

        @Override
        public LSTM build() {
            return new LSTM(this);
        }
    }
}
