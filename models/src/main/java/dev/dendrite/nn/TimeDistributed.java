package dev.dendrite.nn;

import dev.dendrite.Tensor;

import java.util.Arrays;

/**
 * Applies a layer to every time step of a sequence, with the same weights (Keras's
 * TimeDistributed): {@code [N, T, features...] → [N, T, out...]}, by folding time into the batch
 * ({@code [N·T, features...]}), running the layer once, and unfolding. Typical use: a
 * {@link Linear} on each output of a recurrent layer with return sequences. The wrapped layer sees
 * N·T samples, so a layer with batch statistics (batch norm) pools them over time too, as in Keras.
 */
public class TimeDistributed extends Module {
    private final Module layer;

    public TimeDistributed(Module layer) {
        if (layer == null) throw new IllegalArgumentException("TimeDistributed: layer must not be null");
        this.layer = registerModule("layer", layer);
    }

    /**
     * @param x {@code [N, T, features...]} (rank >= 3)
     * @return {@code [N, T, out...]}
     */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() < 3)
            throw new IllegalArgumentException("TimeDistributed: input must have rank >= 3 [N, T, features...], got " + x.shape());
        int n = x.dim(0), t = x.dim(1);
        int[] folded = new int[x.rank() - 1];
        folded[0] = n * t;
        System.arraycopy(x.shape().toArray(), 2, folded, 1, x.rank() - 2);
        Tensor y = layer.forward(x.reshape(folded));
        if (y.rank() < 1 || y.dim(0) != n * t)
            throw new IllegalArgumentException("TimeDistributed: " + layer.describe() + " mapped " + Arrays.toString(folded) + " to "
                    + y.shape() + "; it must keep the leading (N·T) dimension");
        int[] out = new int[y.rank() + 1];
        out[0] = n;
        out[1] = t;
        System.arraycopy(y.shape().toArray(), 1, out, 2, y.rank() - 1);
        return y.reshape(out);
    }

    /** The wrapped layer. */
    public Module layer() {
        return layer;
    }

    @Override
    public String describe() {
        return "TimeDistributed(" + layer.describe() + ")";
    }
}
