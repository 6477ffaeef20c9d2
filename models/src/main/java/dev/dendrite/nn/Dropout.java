package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;

/**
 * Inverted dropout: in training each element is zeroed with probability p and survivors are scaled
 * by 1/(1 − p); in eval mode it is the identity. Masks come from Philox keyed by the layer's seed and
 * a stream that advances with every training forward call, so a run is reproducible on every backend.
 * The seed and the call counter are INT64 buffers ({@code seed}, {@code calls}), so a resumed checkpoint
 * continues with the same masks.
 */
public class Dropout extends Module {
    private final double p;

    public Dropout(double p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        this.p = p;
        registerBuffer("seed", Tensor.fromArray(new long[]{Init.currentSeed() * 31 + Init.nextStream()}, Shape.scalar(), null));
        registerBuffer("calls", Tensor.zeros(Shape.scalar(), DType.INT64));
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0) return x;
        Tensor calls = buffer("calls");
        long stream = (long) calls.item();
        calls.fillInPlace(stream + 1);
        return NN.dropout(x, p, buffer("seed").toLongArray()[0], stream);
    }

    @Override
    public String describe() {
        return "Dropout(" + p + ")";
    }
}
