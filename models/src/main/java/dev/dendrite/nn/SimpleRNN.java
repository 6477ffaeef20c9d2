package dev.dendrite.nn;

import dev.dendrite.ops.RnnMode;

/**
 * Fully recurrent layer (Keras's SimpleRNN, PyTorch's RNN):
 * {@code h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)}, or relu instead of tanh.
 * Input {@code [N, T, inputSize]}, output {@code [N, H]} (last state) or {@code [N, T, H]}
 * (sequences); see {@link RecurrentLayer} for states, lengths, stacking and the options.
 * Keras's parameter count by default (single bias): {@code SimpleRNN(1 → 10)} has
 * {@code 10·1 + 10·10 + 10 = 120} parameters.
 */
public class SimpleRNN extends RecurrentLayer {
    /** One tanh layer, single (Keras) bias, last state only, FLOAT32. */
    public SimpleRNN(int inputSize, int units) {
        this(builder(inputSize, units));
    }

    private SimpleRNN(Builder b) {
        super(b.relu ? RnnMode.RNN_RELU : RnnMode.RNN_TANH, b);
        registerWeights();
    }

    public static Builder builder(int inputSize, int units) {
        return new Builder(inputSize, units);
    }

    /** Options of a {@link SimpleRNN}; see {@link RecurrentLayer.Builder}. */
    public static final class Builder extends RecurrentLayer.Builder<SimpleRNN, Builder> {
        private boolean relu;

        Builder(int inputSize, int units) {
            super(inputSize, units, Bias.SINGLE);
        }

        /** relu instead of tanh as the activation. */
        public Builder relu(boolean b) {
            relu = b;
            return this;
        }

        @Override
        public SimpleRNN build() {
            return new SimpleRNN(this);
        }
    }
}
