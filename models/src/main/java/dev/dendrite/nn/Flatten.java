package dev.dendrite.nn;

import dev.dendrite.Tensor;

/** {@code [N, d1, d2, ...] → [N, d1·d2·...]}. */
public class Flatten extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.rank() <= 2 ? x : x.flatten(1);
    }
}
