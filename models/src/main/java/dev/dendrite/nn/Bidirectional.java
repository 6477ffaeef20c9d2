package dev.dendrite.nn;

import dev.dendrite.Tensor;
import dev.dendrite.ops.RnnParams;

import java.util.ArrayList;
import java.util.List;

/**
 * Keras's Bidirectional wrapper: runs the wrapped recurrent layer forward in time and a twin of it
 * (same cell and options, its own weights) backward in time, and concatenates their outputs
 * ({@code [N, T, 2H]} with sequences, {@code [N, 2H]} for the last state: the forward direction's
 * state at each sequence's end followed by the backward direction's state after step 0). Children
 * {@code forward} and {@code backward} hold the weights; both directions run in one fused
 * bidirectional call of the primitive, which is the same computation.
 * <p>
 * The wrapped layer must be a single unidirectional layer: a stack of bidirectional layers (each
 * layer reading both directions of the one below) is the builder's {@code bidirectional(true)} with
 * {@code layers(n)}, a different network from two independent stacks.
 */
public class Bidirectional extends RecurrentLayer {
    private final RecurrentLayer forwardLayer, backwardLayer;

    public Bidirectional(RecurrentLayer layer) {
        super(checked(layer).mode, new Like(layer));
        forwardLayer = registerModule("forward", layer);
        backwardLayer = registerModule("backward", layer.freshTwin());
    }

    private static RecurrentLayer checked(RecurrentLayer layer) {
        if (layer == null) throw new IllegalArgumentException("Bidirectional: layer must not be null");
        if (layer.bidirectional || layer.numLayers != 1 || layer instanceof Bidirectional)
            throw new IllegalArgumentException("Bidirectional: wraps a single unidirectional layer, got " + layer.describe()
                    + "; for stacked bidirectional layers use the builder's bidirectional(true) with layers(n)");
        return layer;
    }

    /** The wrapped layer's options with {@code bidirectional = true}. */
    private static final class Like extends RecurrentLayer.Builder<Bidirectional, Like> {
        Like(RecurrentLayer l) {
            super(l.inputSize, l.hiddenSize, l.bias);
            like(l);
            bidirectional = true;
        }

        @Override
        public Bidirectional build() {
            throw new UnsupportedOperationException("Bidirectional: construct it with new Bidirectional(layer)");
        }
    }

    /** The layer that reads the sequence forward in time. */
    public RecurrentLayer forwardLayer() {
        return forwardLayer;
    }

    /** The twin that reads it backward in time. */
    public RecurrentLayer backwardLayer() {
        return backwardLayer;
    }

    /** Direction 0's four tensors from the forward layer, direction 1's from the backward one. */
    @Override
    List<Tensor> weights() {
        List<Tensor> fw = forwardLayer.weights(), bw = backwardLayer.weights();
        List<Tensor> w = new ArrayList<>(fw);
        w.addAll(bw);
        return w;
    }

    @Override
    public RnnParams params() {
        RnnParams p = super.params();
        return new RnnParams(p.mode(), p.inputSize(), p.hiddenSize(), 1, true, 0, p.dropoutSeed());
    }

    @Override
    public String describe() {
        return "Bidir " + forwardLayer.describe();
    }
}
