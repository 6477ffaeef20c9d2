package dev.dendrite.cpu;

import dev.dendrite.ops.BinaryOp;
import dev.dendrite.ops.UnaryOp;

/** The elementwise functions on dense buffers: double for floating types, long for integer types. */
final class ElementMath {
    private ElementMath() {
    }

    private static final double INV_SQRT2 = 1 / Math.sqrt(2);

    static void unary(UnaryOp op, double[] x, double[] y, int n, double alpha, double beta) {
        switch (op) {
            case NEG -> { for (int i = 0; i < n; i++) y[i] = -x[i]; }
            case ABS -> { for (int i = 0; i < n; i++) y[i] = Math.abs(x[i]); }
            case EXP -> { for (int i = 0; i < n; i++) y[i] = Math.exp(x[i]); }
            case LOG -> { for (int i = 0; i < n; i++) y[i] = Math.log(x[i]); }
            case SQRT -> { for (int i = 0; i < n; i++) y[i] = Math.sqrt(x[i]); }
            case RSQRT -> { for (int i = 0; i < n; i++) y[i] = 1 / Math.sqrt(x[i]); }
            case SQUARE -> { for (int i = 0; i < n; i++) y[i] = x[i] * x[i]; }
            case RECIPROCAL -> { for (int i = 0; i < n; i++) y[i] = 1 / x[i]; }
            case RELU -> { for (int i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : x[i] != x[i] ? x[i] : 0; }
            case LEAKY_RELU -> { for (int i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : alpha * x[i]; }
            case SIGMOID -> { for (int i = 0; i < n; i++) y[i] = sigmoid(x[i]); }
            case TANH -> { for (int i = 0; i < n; i++) y[i] = Math.tanh(x[i]); }
            case ELU -> { for (int i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : alpha * Math.expm1(x[i]); }
            case GELU -> { for (int i = 0; i < n; i++) y[i] = x[i] * normalCdf(x[i]); }
            case SOFTPLUS -> { for (int i = 0; i < n; i++) y[i] = softplus(x[i]); }
            case SIGN -> { for (int i = 0; i < n; i++) y[i] = Math.signum(x[i]); }
            case CLAMP -> { for (int i = 0; i < n; i++) y[i] = x[i] != x[i] ? x[i] : Math.min(Math.max(x[i], alpha), beta); }
        }
    }

    static void unaryLong(UnaryOp op, long[] x, long[] y, int n, long alpha, long beta) {
        switch (op) {
            case NEG -> { for (int i = 0; i < n; i++) y[i] = -x[i]; }
            case ABS -> { for (int i = 0; i < n; i++) y[i] = Math.abs(x[i]); }
            case SQUARE -> { for (int i = 0; i < n; i++) y[i] = x[i] * x[i]; }
            case RELU -> { for (int i = 0; i < n; i++) y[i] = Math.max(x[i], 0); }
            case SIGN -> { for (int i = 0; i < n; i++) y[i] = Long.signum(x[i]); }
            case CLAMP -> { for (int i = 0; i < n; i++) y[i] = Math.min(Math.max(x[i], alpha), beta); }
            case EXP, LOG, SQRT, RSQRT, RECIPROCAL, LEAKY_RELU, SIGMOID, TANH, ELU, GELU, SOFTPLUS ->
                    throw new IllegalStateException(op + " on integers must be rejected before dispatch");
        }
    }

    static double sigmoid(double x) {
        // Both branches avoid overflow of e^(−x) for very negative x.
        if (x >= 0) return 1 / (1 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1 + e);
    }

    static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    /** Φ(x) = ½·(1 + erf(x/√2)), and ½·erfc(−x/√2) on the left tail to keep relative accuracy. */
    static double normalCdf(double x) {
        double z = x * INV_SQRT2;
        return z < -0.5 ? 0.5 * erfc(-z) : 0.5 * (1 + erf(z));
    }

    static double normalPdf(double x) {
        return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }

    /**
     * erf for |z| < 3 from the positive-term series {@code erf(z) = 2/√π · e^(−z²) · Σ 2ⁿ z^(2n+1) / (1·3·…·(2n+1))}
     * (no cancellation, relative error near 1 ulp), and 1 − erfc beyond.
     */
    static double erf(double z) {
        double a = Math.abs(z);
        if (a >= 3) return Math.copySign(1 - erfc(a), z);
        double term = a, sum = a, z2 = a * a;
        for (int n = 1; n < 200; n++) {
            term *= 2 * z2 / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return Math.copySign(2 / Math.sqrt(Math.PI) * Math.exp(-z2) * sum, z);
    }

    /**
     * erfc: 1 − erf(z) below z = 1 (erfc(1) ≈ 0.16, so the subtraction costs under 3 bits), a Lentz
     * continued fraction beyond (under 200 terms from z = 1; 1 − erf up to 2 lost ~7 bits near z = 2).
     */
    static double erfc(double z) {
        if (z < 0) return 2 - erfc(-z);
        if (z < 1) return 1 - erf(z);
        // Beyond 27, e^(−z²) underflows to 0; returning it directly also keeps erfc(∞) = 0 instead of ∞·0 = NaN.
        if (z > 27) return 0;
        // erfc(z) = e^(−z²)/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + 2/(z + ...)))))
        double tiny = 1e-300;
        double f = z, c = z, d = 0;
        for (int k = 1; k < 300; k++) {
            double ak = k * 0.5;
            d = z + ak * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = z + ak / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
    }

    static void binary(BinaryOp op, double[] a, double[] b, double[] y, int n) {
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) y[i] = a[i] + b[i]; }
            case SUB -> { for (int i = 0; i < n; i++) y[i] = a[i] - b[i]; }
            case MUL -> { for (int i = 0; i < n; i++) y[i] = a[i] * b[i]; }
            case DIV -> { for (int i = 0; i < n; i++) y[i] = a[i] / b[i]; }
            case POW -> { for (int i = 0; i < n; i++) y[i] = Math.pow(a[i], b[i]); }
            case MAX -> { for (int i = 0; i < n; i++) y[i] = Math.max(a[i], b[i]); }
            case MIN -> { for (int i = 0; i < n; i++) y[i] = Math.min(a[i], b[i]); }
            case EQ -> { for (int i = 0; i < n; i++) y[i] = a[i] == b[i] ? 1 : 0; }
            case NE -> { for (int i = 0; i < n; i++) y[i] = a[i] != b[i] ? 1 : 0; }
            case LT -> { for (int i = 0; i < n; i++) y[i] = a[i] < b[i] ? 1 : 0; }
            case LE -> { for (int i = 0; i < n; i++) y[i] = a[i] <= b[i] ? 1 : 0; }
            case GT -> { for (int i = 0; i < n; i++) y[i] = a[i] > b[i] ? 1 : 0; }
            case GE -> { for (int i = 0; i < n; i++) y[i] = a[i] >= b[i] ? 1 : 0; }
        }
    }

    static void binaryLong(BinaryOp op, long[] a, long[] b, long[] y, int n) {
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) y[i] = a[i] + b[i]; }
            case SUB -> { for (int i = 0; i < n; i++) y[i] = a[i] - b[i]; }
            case MUL -> { for (int i = 0; i < n; i++) y[i] = a[i] * b[i]; }
            case DIV -> {
                for (int i = 0; i < n; i++) {
                    if (b[i] == 0) throw new ArithmeticException("div: integer division by zero");
                    y[i] = a[i] / b[i];
                }
            }
            case POW -> throw new IllegalStateException("pow on integers must be rejected before dispatch");
            case MAX -> { for (int i = 0; i < n; i++) y[i] = Math.max(a[i], b[i]); }
            case MIN -> { for (int i = 0; i < n; i++) y[i] = Math.min(a[i], b[i]); }
            case EQ -> { for (int i = 0; i < n; i++) y[i] = a[i] == b[i] ? 1 : 0; }
            case NE -> { for (int i = 0; i < n; i++) y[i] = a[i] != b[i] ? 1 : 0; }
            case LT -> { for (int i = 0; i < n; i++) y[i] = a[i] < b[i] ? 1 : 0; }
            case LE -> { for (int i = 0; i < n; i++) y[i] = a[i] <= b[i] ? 1 : 0; }
            case GT -> { for (int i = 0; i < n; i++) y[i] = a[i] > b[i] ? 1 : 0; }
            case GE -> { for (int i = 0; i < n; i++) y[i] = a[i] >= b[i] ? 1 : 0; }
        }
    }
}
