package dev.dendrite.zoo;

import dev.dendrite.MemoryScope;
import dev.dendrite.Tensor;
import dev.dendrite.nn.GRU;
import dev.dendrite.nn.LSTM;
import dev.dendrite.nn.RecurrentLayer;
import dev.dendrite.nn.SimpleRNN;
import dev.dendrite.ops.RnnMode;

import java.util.Locale;

/**
 * What the sequence models of the zoo share: the recurrent cell chosen by name, and the recurrent
 * state that callers carry from one call to the next.
 */
public final class RnnCells {
    private RnnCells() {
    }

    /** {@code lstm}, {@code gru} or {@code rnn} (tanh): the names the command line and checkpoints use. */
    public static RnnMode parse(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "lstm" -> RnnMode.LSTM;
            case "gru" -> RnnMode.GRU;
            case "rnn", "rnn_tanh" -> RnnMode.RNN_TANH;
            case "rnn_relu" -> RnnMode.RNN_RELU;
            default -> throw new IllegalArgumentException("recurrent cell: unknown cell '" + name + "'; valid cells: lstm, gru, rnn, rnn_relu");
        };
    }

    /** The inverse of {@link #parse}. */
    public static String name(RnnMode mode) {
        return switch (mode) {
            case LSTM -> "lstm";
            case GRU -> "gru";
            case RNN_TANH -> "rnn";
            case RNN_RELU -> "rnn_relu";
        };
    }

    /**
     * A batch-first recurrent layer of the given cell with the layer classes' default biases.
     * @param truncateSteps truncated backpropagation through time inside one call (0 = off)
     */
    public static RecurrentLayer layer(RnnMode mode, int inputSize, int hiddenSize, int layers, boolean returnSequences,
                                       int truncateSteps) {
        RecurrentLayer.Builder<?, ?> b = switch (mode) {
            case RNN_TANH -> SimpleRNN.builder(inputSize, hiddenSize);
            case RNN_RELU -> SimpleRNN.builder(inputSize, hiddenSize).relu(true);
            case LSTM -> LSTM.builder(inputSize, hiddenSize);
            case GRU -> GRU.builder(inputSize, hiddenSize);
        };
        b.layers(layers);
        b.returnSequences(returnSequences);
        b.truncateBackprop(truncateSteps);
        return b.build();
    }

    /**
     * The recurrent state between two calls, batch-first as {@link RecurrentLayer#run} returns it:
     * {@code h} (and for an LSTM {@code c}) of shape {@code [N, L, H]}.
     */
    public record State(Tensor h, Tensor c) {
        /**
         * The same values cut from the autograd graph and taken out of every memory scope, so that
         * they outlive the step that computed them (the next step starts from them, and its gradient
         * stops there: truncated backpropagation through time). The caller closes the result.
         */
        public State keep() {
            return new State(MemoryScope.release(h.detach()), c == null ? null : MemoryScope.release(c.detach()));
        }

        /** Frees a state made by {@link #keep()}. */
        public static void close(State s) {
            if (s == null) return;
            s.h.close();
            if (s.c != null) s.c.close();
        }
    }
}
