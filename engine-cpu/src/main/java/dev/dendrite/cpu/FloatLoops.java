package dev.dendrite.cpu;

import dev.dendrite.ops.BinaryOp;
import dev.dendrite.ops.UnaryOp;

/**
 * Elementwise loops directly on {@code float[]} segments, for the ops whose float result is
 * bit-for-bit the double-then-round result of {@link ElementMath} (Note [Exact float fast path]).
 * Two implementations: {@code VectorFloatLoops} (Vector API, used when {@code jdk.incubator.vector}
 * is readable) and {@link ScalarFloatLoops}; {@link #get()} picks one once, as {@code Gemm} does.
 *
 * <p>Every method works on one segment of {@code n} elements. A step ({@code aStep}, {@code xStep},
 * ...) is the element stride of that operand inside the segment: 1 (contiguous), 0 (one value
 * broadcast over the segment) or any other positive stride. The output step is 1 or any positive
 * stride. Outputs may alias inputs element for element (in-place updates).
 *
 * <p>Note [Exact float fast path]: the reference semantics compute float ops in double and round
 * once. For {@code + − × ÷} and {@code √} of float operands the double result rounded to float
 * equals the correctly rounded float result (double has more than 2·24 + 2 significand bits, so
 * the double rounding is innocuous), and {@code max, min, neg, abs, comparisons, relu, clamp} are
 * exact in either precision (clamp bounds are rounded to float first: rounding is monotone, so it
 * commutes with max and min). Everything else (transcendentals, pow, rsqrt's two roundings, a
 * product with a double that is not a float) stays in double: {@link #scaleDouble} computes
 * {@code (float) (x op s)} in double lanes, and the rest goes through {@code Segments}/{@code ElementMath}.
 */
interface FloatLoops {
    /** Whether {@link #binary} handles {@code op}: everything except POW. */
    static boolean isExactBinary(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, MAX, MIN, EQ, NE, LT, LE, GT, GE -> true;
            case POW -> false;
        };
    }

    /** Whether {@link #unary} handles {@code op}. */
    static boolean isExactUnary(UnaryOp op) {
        return switch (op) {
            case NEG, ABS, SQRT, SQUARE, RECIPROCAL, RELU, SIGN, CLAMP -> true;
            case EXP, LOG, RSQRT, LEAKY_RELU, SIGMOID, TANH, ELU, GELU, SOFTPLUS -> false;
        };
    }

    /** Whether {@link #scaleDouble} handles {@code op} (the arithmetic ops). */
    static boolean isArithmetic(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV -> true;
            case POW, MAX, MIN, EQ, NE, LT, LE, GT, GE -> false;
        };
    }

    /** {@code y[i] = a[i] op b[i]} (comparisons give 1 or 0) for an op with {@link #isExactBinary}. */
    void binary(BinaryOp op, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep,
                float[] y, int yOff, int yStep, int n);

    /** {@code y[i] = op(x[i])} for an op with {@link #isExactUnary}; CLAMP reads {@code [lo, hi]}. */
    void unary(UnaryOp op, float[] x, int xOff, int xStep, float[] y, int yOff, int yStep, int n, float lo, float hi);

    /**
     * {@code y[i] = (float) (x[i] op s)} (or {@code s op x[i]} when {@code scalarFirst}) computed in
     * double, for an arithmetic op and a scalar that may not be a float.
     */
    void scaleDouble(BinaryOp op, float[] x, int xOff, int xStep, double s, boolean scalarFirst,
                     float[] y, int yOff, int yStep, int n);

    /** The Vector API loops when the module is readable, else the scalar ones. */
    static FloatLoops get() {
        return Holder.LOOPS;
    }

    /** Whether {@link #get()} is the Vector API implementation. */
    static boolean isVectorized() {
        return Holder.VECTORIZED;
    }

    /** Note [Loading the vector kernel] in {@code Gemm}: the vector class is named only on the branch that has the module. */
    final class Holder {
        private Holder() {
        }

        static final boolean VECTORIZED = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        static final FloatLoops LOOPS = VECTORIZED ? VectorFloatLoops.create() : ScalarFloatLoops.INSTANCE;
    }
}
