package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.Parallel;
import dev.dendrite.cpu.gemm.Gemm;
import dev.dendrite.ops.ActivationOp;

/**
 * Activation backward passes on contiguous arrays: {@code dx[i] = dy[i] · f'(·)}, where f' reads the
 * forward input x or the forward output y (see {@link ActivationOp}):
 * <ul>
 *   <li>RELU: {@code x > 0 ? 1 : 0}</li>
 *   <li>LEAKY_RELU: {@code x > 0 ? 1 : α}</li>
 *   <li>ELU: {@code x > 0 ? 1 : α·eˣ}</li>
 *   <li>GELU (exact): {@code Φ(x) + x·φ(x)}</li>
 *   <li>SIGMOID: {@code y·(1 − y)}</li>
 *   <li>TANH: {@code 1 − y²}</li>
 * </ul>
 * The derivative at the kink x = 0 is taken from the left (0 for ReLU, α for leaky ReLU and ELU),
 * as PyTorch does. Float inputs are computed in double and rounded once.
 */
public final class ActivationKernels {
    private static final int GRAIN = 1 << 14;
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    /** {@code 1/(2k + 1)}: the series in {@link #normalCdf} multiplies instead of dividing (a dependent chain). */
    private static final double[] INV_ODD = new double[100];

    static {
        for (int k = 0; k < INV_ODD.length; k++) INV_ODD[k] = 1.0 / (2 * k + 1);
    }

    private ActivationKernels() {
    }

    /**
     * {@code dx[i] = dy[i] · f'(x[i] or y[i])} for {@code i < count}, with f' as listed on the class.
     *
     * @param x forward input, read by RELU, LEAKY_RELU, ELU and GELU; may be null for SIGMOID and TANH
     * @param y forward output, read by SIGMOID and TANH; may be null for the others
     * @param alpha the negative slope (LEAKY_RELU) or scale (ELU); ignored by the others
     * @param dx output; may be the same region as dy
     * @throws IllegalArgumentException when the array the op reads is null
     */
    public static void backward(ActivationOp op, float[] x, int xOff, float[] y, int yOff, float[] dy, int dyOff,
                                double alpha, float[] dx, int dxOff, int count) {
        requireOperand(op, x != null, y != null);
        Parallel.forRange(count, GRAIN, (from, to) -> {
            switch (op) {
                case RELU -> {
                    if (Gemm.isVectorized()) VectorActivations.reluBackward(x, xOff, dy, dyOff, dx, dxOff, from, to);
                    else for (int i = from; i < to; i++) dx[dxOff + i] = x[xOff + i] > 0 ? dy[dyOff + i] : 0;
                }
                case LEAKY_RELU -> {
                    for (int i = from; i < to; i++)
                        dx[dxOff + i] = x[xOff + i] > 0 ? dy[dyOff + i] : (float) (alpha * dy[dyOff + i]);
                }
                case ELU -> {
                    for (int i = from; i < to; i++) {
                        float v = x[xOff + i];
                        dx[dxOff + i] = v > 0 ? dy[dyOff + i] : (float) (alpha * Math.exp(v) * dy[dyOff + i]);
                    }
                }
                case GELU -> { for (int i = from; i < to; i++) dx[dxOff + i] = (float) (geluDerivative(x[xOff + i]) * dy[dyOff + i]); }
                case SIGMOID -> {
                    for (int i = from; i < to; i++) {
                        double v = y[yOff + i];
                        dx[dxOff + i] = (float) (v * (1 - v) * dy[dyOff + i]);
                    }
                }
                case TANH -> {
                    for (int i = from; i < to; i++) {
                        double v = y[yOff + i];
                        dx[dxOff + i] = (float) ((1 - v * v) * dy[dyOff + i]);
                    }
                }
            }
        });
    }

    /** The double-precision {@link #backward(ActivationOp, float[], int, float[], int, float[], int, double, float[], int, int)}. */
    public static void backward(ActivationOp op, double[] x, int xOff, double[] y, int yOff, double[] dy, int dyOff,
                                double alpha, double[] dx, int dxOff, int count) {
        requireOperand(op, x != null, y != null);
        Parallel.forRange(count, GRAIN, (from, to) -> {
            switch (op) {
                case RELU -> { for (int i = from; i < to; i++) dx[dxOff + i] = x[xOff + i] > 0 ? dy[dyOff + i] : 0; }
                case LEAKY_RELU -> {
                    for (int i = from; i < to; i++) dx[dxOff + i] = x[xOff + i] > 0 ? dy[dyOff + i] : alpha * dy[dyOff + i];
                }
                case ELU -> {
                    for (int i = from; i < to; i++) {
                        double v = x[xOff + i];
                        dx[dxOff + i] = v > 0 ? dy[dyOff + i] : alpha * Math.exp(v) * dy[dyOff + i];
                    }
                }
                case GELU -> { for (int i = from; i < to; i++) dx[dxOff + i] = geluDerivative(x[xOff + i]) * dy[dyOff + i]; }
                case SIGMOID -> {
                    for (int i = from; i < to; i++) {
                        double v = y[yOff + i];
                        dx[dxOff + i] = v * (1 - v) * dy[dyOff + i];
                    }
                }
                case TANH -> {
                    for (int i = from; i < to; i++) {
                        double v = y[yOff + i];
                        dx[dxOff + i] = (1 - v * v) * dy[dyOff + i];
                    }
                }
            }
        });
    }

    private static void requireOperand(ActivationOp op, boolean hasX, boolean hasY) {
        boolean readsX = switch (op) {
            case RELU, LEAKY_RELU, ELU, GELU -> true;
            case SIGMOID, TANH -> false;
        };
        if (readsX && !hasX) throw new IllegalArgumentException("activationBackward: " + op + " reads the forward input x, which is null");
        if (!readsX && !hasY) throw new IllegalArgumentException("activationBackward: " + op + " reads the forward output y, which is null");
    }

    /** d/dx [x·Φ(x)] = Φ(x) + x·φ(x). */
    static double geluDerivative(double x) {
        double pdf = INV_SQRT_2PI * Math.exp(-0.5 * x * x);
        // pdf underflows to 0 for |x| > 38; skip the product so that x = ±∞ gives 1 or 0, not ∞·0 = NaN.
        return normalCdf(x) + (pdf == 0 ? 0 : x * pdf);
    }

    /**
     * Standard normal CDF Φ to near double precision (relative error a few ulp, tails included). For
     * −1.5 < x ≤ 3 the everywhere-convergent series {@code Φ(x) = ½ + φ(x)·(x + x³/3 + x⁵/(3·5) + …)};
     * below −1.5 its subtraction from ½ would cancel digits, so there and above 3 the tail
     * {@code Q(a) = φ(a)/(a + 1/(a + 2/(a + 3/(a + …))))}, a = |x|, evaluated bottom-up at a depth at
     * which it has converged to rounding (256 terms at a = 1.5, 64 from a = 3).
     */
    static double normalCdf(double x) {
        if (x != x) return x;
        double a = Math.abs(x);
        double pdf = INV_SQRT_2PI * Math.exp(-0.5 * a * a);
        if (x > -1.5 && x <= 3) {
            double term = x, sum = x, x2 = x * x;
            for (int k = 1; k < INV_ODD.length; k++) {
                term *= x2 * INV_ODD[k];
                sum += term;
                if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
            }
            return 0.5 + pdf * sum;
        }
        int depth = a >= 3 ? 64 : a >= 2 ? 128 : 256;
        double f = a;
        for (int k = depth; k >= 1; k--) f = a + k / f;
        double tail = pdf / f;
        return x < 0 ? tail : 1 - tail;
    }
}
