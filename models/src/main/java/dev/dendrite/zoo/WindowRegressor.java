package dev.dendrite.zoo;

import dev.dendrite.Tensor;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.RecurrentLayer;
import dev.dendrite.ops.RnnMode;

/**
 * Next-value regression over a sliding window: a recurrent layer reads the last W values of a
 * series and a linear layer maps its final state to the value that follows.
 * <pre>
 *   window [N, W, F] → LSTM/GRU, last state [N, H] → linear [N, 1]
 * </pre>
 * A window {@code [N, W]} of a univariate series is read as {@code [N, W, 1]}.
 */
public final class WindowRegressor extends Module {
    private final RecurrentLayer rnn;
    private final Linear head;
    private final int features;

    /**
     * @param features F, values per step (1 for a univariate series)
     * @param hiddenSize H
     * @param layers stacked recurrent layers
     */
    public WindowRegressor(RnnMode cell, int features, int hiddenSize, int layers) {
        this.features = features;
        rnn = registerModule("rnn", RnnCells.layer(cell, features, hiddenSize, layers, false, 0));
        head = registerModule("head", new Linear(hiddenSize, 1));
    }

    /**
     * @param window {@code [N, W, F]}, or {@code [N, W]} when F = 1
     * @return predictions {@code [N, 1]}
     */
    @Override
    public Tensor forward(Tensor window) {
        Tensor x = window.rank() == 2 && features == 1 ? window.unsqueeze(2) : window;
        if (x.rank() != 3 || x.dim(2) != features)
            throw new IllegalArgumentException("WindowRegressor: input must be [N, W, " + features + "]" + (features == 1 ? " or [N, W]" : "")
                    + ", got " + window.shape());
        return head.forward(rnn.forward(x));
    }

    @Override
    public String describe() {
        return "WindowRegressor(" + rnn.describe() + ")";
    }
}
