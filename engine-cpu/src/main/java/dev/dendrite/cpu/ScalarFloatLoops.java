package dev.dendrite.cpu;

import dev.dendrite.ops.BinaryOp;
import dev.dendrite.ops.UnaryOp;

/**
 * {@link FloatLoops} in plain Java: the fallback without the Vector API, and the strided and
 * tail cases of the vector implementation. Each op has its own loop so that the JIT can unroll it
 * (and auto-vectorise the contiguous ones).
 */
final class ScalarFloatLoops implements FloatLoops {
    static final ScalarFloatLoops INSTANCE = new ScalarFloatLoops();

    private ScalarFloatLoops() {
    }

    @Override
    public void binary(BinaryOp op, float[] a, int aOff, int as, float[] b, int bOff, int bs, float[] y, int yOff, int ys, int n) {
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = a[aOff + i * as] + b[bOff + i * bs]; }
            case SUB -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = a[aOff + i * as] - b[bOff + i * bs]; }
            case MUL -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = a[aOff + i * as] * b[bOff + i * bs]; }
            case DIV -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = a[aOff + i * as] / b[bOff + i * bs]; }
            case MAX -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = Math.max(a[aOff + i * as], b[bOff + i * bs]); }
            case MIN -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = Math.min(a[aOff + i * as], b[bOff + i * bs]); }
            case EQ -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = a[aOff + i * as] == b[bOff + i * bs] ? 1 : 0; }
            case NE -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = a[aOff + i * as] != b[bOff + i * bs] ? 1 : 0; }
            case LT -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = a[aOff + i * as] < b[bOff + i * bs] ? 1 : 0; }
            case LE -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = a[aOff + i * as] <= b[bOff + i * bs] ? 1 : 0; }
            case GT -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = a[aOff + i * as] > b[bOff + i * bs] ? 1 : 0; }
            case GE -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = a[aOff + i * as] >= b[bOff + i * bs] ? 1 : 0; }
            case POW -> throw new IllegalStateException("pow is not exact in float; it takes the double path");
        }
    }

    @Override
    public void unary(UnaryOp op, float[] x, int xOff, int xs, float[] y, int yOff, int ys, int n, float lo, float hi) {
        switch (op) {
            case NEG -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = -x[xOff + i * xs]; }
            case ABS -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = Math.abs(x[xOff + i * xs]); }
            case SQRT -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = (float) Math.sqrt(x[xOff + i * xs]); }
            case SQUARE -> {
                for (int i = 0; i < n; i++) {
                    float v = x[xOff + i * xs];
                    y[yOff + i * ys] = v * v;
                }
            }
            case RECIPROCAL -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = 1 / x[xOff + i * xs]; }
            // max(x, +0) is x for x > 0, NaN for NaN and +0 otherwise (Math.max orders −0 below +0): ElementMath's relu.
            case RELU -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = Math.max(x[xOff + i * xs], 0f); }
            case SIGN -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = Math.signum(x[xOff + i * xs]); }
            case CLAMP -> {
                for (int i = 0; i < n; i++) {
                    float v = x[xOff + i * xs];
                    y[yOff + i * ys] = v != v ? v : Math.min(Math.max(v, lo), hi);
                }
            }
            case EXP, LOG, RSQRT, LEAKY_RELU, SIGMOID, TANH, ELU, GELU, SOFTPLUS ->
                    throw new IllegalStateException(op + " is not exact in float; it takes the double path");
        }
    }

    @Override
    public void scaleDouble(BinaryOp op, float[] x, int xOff, int xs, double s, boolean scalarFirst, float[] y, int yOff, int ys, int n) {
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = (float) (x[xOff + i * xs] + s); }
            case SUB -> {
                if (scalarFirst) for (int i = 0; i < n; i++) y[yOff + i * ys] = (float) (s - x[xOff + i * xs]);
                else for (int i = 0; i < n; i++) y[yOff + i * ys] = (float) (x[xOff + i * xs] - s);
            }
            case MUL -> { for (int i = 0; i < n; i++) y[yOff + i * ys] = (float) (x[xOff + i * xs] * s); }
            case DIV -> {
                if (scalarFirst) for (int i = 0; i < n; i++) y[yOff + i * ys] = (float) (s / x[xOff + i * xs]);
                else for (int i = 0; i < n; i++) y[yOff + i * ys] = (float) (x[xOff + i * xs] / s);
            }
            case POW, MAX, MIN, EQ, NE, LT, LE, GT, GE ->
                    throw new IllegalStateException(op + " with a double scalar takes the double path");
        }
    }
}
