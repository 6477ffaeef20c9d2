package dev.dendrite;

/** Element types a tensor can hold. Floating types carry gradients; integer types hold indices and labels. */
public enum DType {
    FLOAT32(4, true),
    FLOAT64(8, true),
    INT32(4, false),
    INT64(8, false);

    private final int byteSize;
    private final boolean isFloatingPoint;

    DType(int byteSize, boolean isFloatingPoint) {
        this.byteSize = byteSize;
        this.isFloatingPoint = isFloatingPoint;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for FLOAT32 and FLOAT64. */
    public boolean isFloatingPoint() {
        return isFloatingPoint;
    }

    /** Lower-case name as used in messages and file formats ({@code float32}, {@code int64}). */
    public String shortName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
