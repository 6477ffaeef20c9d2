package dev.dendrite.ops;

/**
 * Pooling modes, named after cuDNN's. {@code AVG_INCLUDE_PAD} divides by the window area,
 * {@code AVG_EXCLUDE_PAD} by the number of window elements inside the (unpadded) input.
 * Max pooling ignores padded positions; its backward pass routes each gradient to the first maximum
 * in row-major window order.
 */
public enum PoolMode { MAX, AVG_INCLUDE_PAD, AVG_EXCLUDE_PAD }
