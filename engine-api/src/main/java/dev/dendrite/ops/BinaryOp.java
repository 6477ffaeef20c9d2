package dev.dendrite.ops;

/**
 * Elementwise functions of two operands with NumPy broadcasting. Comparisons return 1 or 0 in
 * the operands' dtype (there is no boolean dtype), so a mask multiplies directly.
 * {@code MAX}/{@code MIN} propagate NaN. Integer {@code DIV} truncates toward zero and rejects a zero divisor.
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAX, MIN, EQ, NE, LT, LE, GT, GE;

    public boolean isComparison() {
        return switch (this) {
            case EQ, NE, LT, LE, GT, GE -> true;
            case ADD, SUB, MUL, DIV, POW, MAX, MIN -> false;
        };
    }

    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
