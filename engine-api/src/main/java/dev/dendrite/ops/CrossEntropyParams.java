package dev.dendrite.ops;

/**
 * Softmax cross-entropy from logits with integer labels. With label smoothing ε over C classes the
 * target distribution is {@code (1 − ε)·onehot + ε/C}. Samples whose label equals
 * {@code ignoreIndex} contribute nothing and are not counted in the mean.
 * Use {@link #NO_IGNORE} when every label is a class.
 */
public record CrossEntropyParams(Reduction reduction, long ignoreIndex, double labelSmoothing) {
    public static final long NO_IGNORE = Long.MIN_VALUE;

    public CrossEntropyParams {
        if (reduction == null) throw new IllegalArgumentException("crossEntropy: reduction is null");
        if (!(labelSmoothing >= 0 && labelSmoothing < 1))
            throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1), got " + labelSmoothing);
    }

    public static CrossEntropyParams mean() {
        return new CrossEntropyParams(Reduction.MEAN, NO_IGNORE, 0);
    }
}
