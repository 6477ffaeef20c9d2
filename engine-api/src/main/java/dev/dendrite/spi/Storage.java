package dev.dendrite.spi;

import dev.dendrite.DType;

/**
 * A backend's block of memory holding {@link #length()} elements of one dtype. Owned by exactly one
 * {@code Tensor} storage handle, which releases it deterministically through {@link Backend#free}.
 */
public interface Storage {
    DType dtype();

    /** Number of elements. */
    int length();

    default long byteSize() {
        return (long) length() * dtype().byteSize();
    }
}
