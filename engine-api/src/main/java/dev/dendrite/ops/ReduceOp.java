package dev.dendrite.ops;

/**
 * Reductions over a set of axes. {@code MEAN} divides by the number of reduced elements.
 * {@code MAX}/{@code MIN} of an empty set is an error (no identity); {@code SUM} of an empty set is 0.
 */
public enum ReduceOp {
    SUM, MEAN, MAX, MIN;

    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
