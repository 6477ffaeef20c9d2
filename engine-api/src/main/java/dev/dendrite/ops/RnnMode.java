package dev.dendrite.ops;

/**
 * Recurrent cell types, named after cuDNN's {@code cudnnRNNMode_t} (RNN_RELU, RNN_TANH, LSTM, GRU).
 * The equations, gate order and weight layout (PyTorch's, which is also cuDNN's canonical per-gate
 * layout) are on {@link RnnParams}.
 */
public enum RnnMode {
    /** {@code h' = tanh(W_ih x + b_ih + W_hh h + b_hh)}. */
    RNN_TANH(1),
    /** {@code h' = relu(W_ih x + b_ih + W_hh h + b_hh)}. */
    RNN_RELU(1),
    /** Long short-term memory; gates i, f, g, o. */
    LSTM(4),
    /** Gated recurrent unit with the reset gate applied after the recurrent product; gates r, z, n. */
    GRU(3);

    private final int gates;

    RnnMode(int gates) {
        this.gates = gates;
    }

    /** Number of gate blocks stacked in the weight rows: 1, 1, 4, 3 (rows are {@code gates()·H}). */
    public int gates() {
        return gates;
    }

    /** Whether the cell carries a second state {@code c} (LSTM only). */
    public boolean hasCellState() {
        return this == LSTM;
    }

    /** Lower-case name for messages: {@code rnn_tanh}, {@code lstm}, ... */
    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
