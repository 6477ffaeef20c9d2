package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.Parallel;

/**
 * Softmax and log-softmax along one axis of a contiguous tensor viewed as
 * {@code [outer, axisLen, inner]} (outer = product of the dimensions before the axis, inner = product of
 * those after it). Every {@code (o, i)} pair is an independent column of {@code axisLen} elements
 * spaced {@code inner} apart.
 *
 * <p>When inner = 1 each column is a contiguous row. Otherwise columns are processed in blocks of up
 * to 256 neighbouring {@code i}, so that every read along the axis is a contiguous run of
 * the block's width rather than a single element {@code inner} apart; work is split over
 * {@code (o, block)} pairs, which keeps all threads busy also for {@code outer = 1} (a softmax over
 * the channels of one NCHW image).
 *
 * <p>Sums are accumulated in double. For float softmax the exponentials are stored in y as floats and
 * rescaled by {@code 1/Σ} (summed from the unrounded values) in a second pass, so an output carries
 * two float roundings (≤ ~1.2e-7 relative) instead of one; the alternative, computing every
 * exponential twice, costs far more than that accuracy is worth.
 */
public final class SoftmaxKernels {
    private static final int GRAIN = 1 << 15;
    private static final int BLOCK = 256;

    private SoftmaxKernels() {
    }

    // ---------------------------------------------------------------------------------------------
    // float
    // ---------------------------------------------------------------------------------------------

    /**
     * Numerically stable softmax along the axis: with {@code M = max_a x[o, a, i]},
     * {@code y = e^(x − M) / Σ_a e^(x − M)}, or with {@code log}
     * {@code y = x − M − log Σ_a e^(x − M)}. A column of all −∞ gives NaN (as 0/0), a column holding +∞
     * or NaN gives NaN.
     *
     * @param x input {@code [outer, axisLen, inner]}
     * @param y output {@code [outer, axisLen, inner]}; may be the same region as x
     */
    public static void forward(float[] x, int xOff, int outer, int axisLen, int inner, boolean log, float[] y, int yOff) {
        if (outer == 0 || axisLen == 0 || inner == 0) return;
        if (inner == 1) {
            Parallel.forRange(outer, Math.max(1, GRAIN / axisLen), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int p = xOff + r * axisLen, q = yOff + r * axisLen;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int a = 0; a < axisLen; a++) max = Math.max(max, x[p + a]);
                    double sum = 0;
                    if (log) {
                        for (int a = 0; a < axisLen; a++) sum += Math.exp(x[p + a] - max);
                        double lse = max + Math.log(sum);
                        for (int a = 0; a < axisLen; a++) y[q + a] = (float) (x[p + a] - lse);
                    } else {
                        for (int a = 0; a < axisLen; a++) {
                            double e = Math.exp(x[p + a] - max);
                            y[q + a] = (float) e;
                            sum += e;
                        }
                        double inv = 1 / sum;
                        for (int a = 0; a < axisLen; a++) y[q + a] = (float) (y[q + a] * inv);
                    }
                }
            });
            return;
        }
        int width = Math.min(inner, BLOCK), blocks = (inner + width - 1) / width;
        Parallel.forRange(outer * blocks, Math.max(1, GRAIN / (axisLen * width)), (t0, t1) -> {
            double[] max = new double[width], sum = new double[width];
            for (int t = t0; t < t1; t++) {
                int o = t / blocks, i0 = (t % blocks) * width, w = Math.min(width, inner - i0);
                int px = xOff + o * axisLen * inner + i0, py = yOff + o * axisLen * inner + i0;
                java.util.Arrays.fill(max, 0, w, Double.NEGATIVE_INFINITY);
                java.util.Arrays.fill(sum, 0, w, 0);
                for (int a = 0; a < axisLen; a++) {
                    int p = px + a * inner;
                    for (int j = 0; j < w; j++) max[j] = Math.max(max[j], x[p + j]);
                }
                if (log) {
                    for (int a = 0; a < axisLen; a++) {
                        int p = px + a * inner;
                        for (int j = 0; j < w; j++) sum[j] += Math.exp(x[p + j] - max[j]);
                    }
                    for (int j = 0; j < w; j++) max[j] += Math.log(sum[j]);   // now log Σ e^x
                    for (int a = 0; a < axisLen; a++) {
                        int p = px + a * inner, q = py + a * inner;
                        for (int j = 0; j < w; j++) y[q + j] = (float) (x[p + j] - max[j]);
                    }
                } else {
                    for (int a = 0; a < axisLen; a++) {
                        int p = px + a * inner, q = py + a * inner;
                        for (int j = 0; j < w; j++) {
                            double e = Math.exp(x[p + j] - max[j]);
                            y[q + j] = (float) e;
                            sum[j] += e;
                        }
                    }
                    for (int j = 0; j < w; j++) sum[j] = 1 / sum[j];
                    for (int a = 0; a < axisLen; a++) {
                        int q = py + a * inner;
                        for (int j = 0; j < w; j++) y[q + j] = (float) (y[q + j] * sum[j]);
                    }
                }
            }
        });
    }

    /**
     * Backward of {@link #forward} from its output y. Softmax:
     * {@code dx = y ⊙ (dy − Σ_a dy⊙y)}; log-softmax: {@code dx = dy − e^y · Σ_a dy} (e^y is the softmax).
     *
     * @param y forward output {@code [outer, axisLen, inner]}
     * @param dy gradient of y
     * @param dx gradient of x; may be the same region as dy
     */
    public static void backward(float[] y, int yOff, float[] dy, int dyOff, int outer, int axisLen, int inner, boolean log,
                                float[] dx, int dxOff) {
        if (outer == 0 || axisLen == 0 || inner == 0) return;
        if (inner == 1) {
            Parallel.forRange(outer, Math.max(1, GRAIN / axisLen), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int py = yOff + r * axisLen, pd = dyOff + r * axisLen, px = dxOff + r * axisLen;
                    double s = 0;
                    if (log) {
                        for (int a = 0; a < axisLen; a++) s += dy[pd + a];
                        for (int a = 0; a < axisLen; a++) dx[px + a] = (float) (dy[pd + a] - Math.exp(y[py + a]) * s);
                    } else {
                        for (int a = 0; a < axisLen; a++) s += (double) dy[pd + a] * y[py + a];
                        for (int a = 0; a < axisLen; a++) dx[px + a] = (float) (y[py + a] * (dy[pd + a] - s));
                    }
                }
            });
            return;
        }
        int width = Math.min(inner, BLOCK), blocks = (inner + width - 1) / width;
        Parallel.forRange(outer * blocks, Math.max(1, GRAIN / (axisLen * width)), (t0, t1) -> {
            double[] sum = new double[width];
            for (int t = t0; t < t1; t++) {
                int o = t / blocks, i0 = (t % blocks) * width, w = Math.min(width, inner - i0);
                int base = o * axisLen * inner + i0;
                java.util.Arrays.fill(sum, 0, w, 0);
                for (int a = 0; a < axisLen; a++) {
                    int py = yOff + base + a * inner, pd = dyOff + base + a * inner;
                    if (log) for (int j = 0; j < w; j++) sum[j] += dy[pd + j];
                    else for (int j = 0; j < w; j++) sum[j] += (double) dy[pd + j] * y[py + j];
                }
                for (int a = 0; a < axisLen; a++) {
                    int py = yOff + base + a * inner, pd = dyOff + base + a * inner, px = dxOff + base + a * inner;
                    if (log) for (int j = 0; j < w; j++) dx[px + j] = (float) (dy[pd + j] - Math.exp(y[py + j]) * sum[j]);
                    else for (int j = 0; j < w; j++) dx[px + j] = (float) (y[py + j] * (dy[pd + j] - sum[j]));
                }
            }
        });
    }

    // ---------------------------------------------------------------------------------------------
    // double: the same algorithms as the float overloads above
    // ---------------------------------------------------------------------------------------------

    /** The double-precision {@link #forward(float[], int, int, int, int, boolean, float[], int)}. */
    public static void forward(double[] x, int xOff, int outer, int axisLen, int inner, boolean log, double[] y, int yOff) {
        if (outer == 0 || axisLen == 0 || inner == 0) return;
        if (inner == 1) {
            Parallel.forRange(outer, Math.max(1, GRAIN / axisLen), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int p = xOff + r * axisLen, q = yOff + r * axisLen;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int a = 0; a < axisLen; a++) max = Math.max(max, x[p + a]);
                    double sum = 0;
                    if (log) {
                        for (int a = 0; a < axisLen; a++) sum += Math.exp(x[p + a] - max);
                        double lse = max + Math.log(sum);
                        for (int a = 0; a < axisLen; a++) y[q + a] = x[p + a] - lse;
                    } else {
                        for (int a = 0; a < axisLen; a++) {
                            double e = Math.exp(x[p + a] - max);
                            y[q + a] = e;
                            sum += e;
                        }
                        double inv = 1 / sum;
                        for (int a = 0; a < axisLen; a++) y[q + a] *= inv;
                    }
                }
            });
            return;
        }
        int width = Math.min(inner, BLOCK), blocks = (inner + width - 1) / width;
        Parallel.forRange(outer * blocks, Math.max(1, GRAIN / (axisLen * width)), (t0, t1) -> {
            double[] max = new double[width], sum = new double[width];
            for (int t = t0; t < t1; t++) {
                int o = t / blocks, i0 = (t % blocks) * width, w = Math.min(width, inner - i0);
                int px = xOff + o * axisLen * inner + i0, py = yOff + o * axisLen * inner + i0;
                java.util.Arrays.fill(max, 0, w, Double.NEGATIVE_INFINITY);
                java.util.Arrays.fill(sum, 0, w, 0);
                for (int a = 0; a < axisLen; a++) {
                    int p = px + a * inner;
                    for (int j = 0; j < w; j++) max[j] = Math.max(max[j], x[p + j]);
                }
                if (log) {
                    for (int a = 0; a < axisLen; a++) {
                        int p = px + a * inner;
                        for (int j = 0; j < w; j++) sum[j] += Math.exp(x[p + j] - max[j]);
                    }
                    for (int j = 0; j < w; j++) max[j] += Math.log(sum[j]);
                    for (int a = 0; a < axisLen; a++) {
                        int p = px + a * inner, q = py + a * inner;
                        for (int j = 0; j < w; j++) y[q + j] = x[p + j] - max[j];
                    }
                } else {
                    for (int a = 0; a < axisLen; a++) {
                        int p = px + a * inner, q = py + a * inner;
                        for (int j = 0; j < w; j++) {
                            double e = Math.exp(x[p + j] - max[j]);
                            y[q + j] = e;
                            sum[j] += e;
                        }
                    }
                    for (int j = 0; j < w; j++) sum[j] = 1 / sum[j];
                    for (int a = 0; a < axisLen; a++) {
                        int q = py + a * inner;
                        for (int j = 0; j < w; j++) y[q + j] *= sum[j];
                    }
                }
            }
        });
    }

    /** The double-precision {@link #backward(float[], int, float[], int, int, int, int, boolean, float[], int)}. */
    public static void backward(double[] y, int yOff, double[] dy, int dyOff, int outer, int axisLen, int inner, boolean log,
                                double[] dx, int dxOff) {
        if (outer == 0 || axisLen == 0 || inner == 0) return;
        if (inner == 1) {
            Parallel.forRange(outer, Math.max(1, GRAIN / axisLen), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int py = yOff + r * axisLen, pd = dyOff + r * axisLen, px = dxOff + r * axisLen;
                    double s = 0;
                    if (log) {
                        for (int a = 0; a < axisLen; a++) s += dy[pd + a];
                        for (int a = 0; a < axisLen; a++) dx[px + a] = dy[pd + a] - Math.exp(y[py + a]) * s;
                    } else {
                        for (int a = 0; a < axisLen; a++) s += dy[pd + a] * y[py + a];
                        for (int a = 0; a < axisLen; a++) dx[px + a] = y[py + a] * (dy[pd + a] - s);
                    }
                }
            });
            return;
        }
        int width = Math.min(inner, BLOCK), blocks = (inner + width - 1) / width;
        Parallel.forRange(outer * blocks, Math.max(1, GRAIN / (axisLen * width)), (t0, t1) -> {
            double[] sum = new double[width];
            for (int t = t0; t < t1; t++) {
                int o = t / blocks, i0 = (t % blocks) * width, w = Math.min(width, inner - i0);
                int base = o * axisLen * inner + i0;
                java.util.Arrays.fill(sum, 0, w, 0);
                for (int a = 0; a < axisLen; a++) {
                    int py = yOff + base + a * inner, pd = dyOff + base + a * inner;
                    if (log) for (int j = 0; j < w; j++) sum[j] += dy[pd + j];
                    else for (int j = 0; j < w; j++) sum[j] += dy[pd + j] * y[py + j];
                }
                for (int a = 0; a < axisLen; a++) {
                    int py = yOff + base + a * inner, pd = dyOff + base + a * inner, px = dxOff + base + a * inner;
                    if (log) for (int j = 0; j < w; j++) dx[px + j] = dy[pd + j] - Math.exp(y[py + j]) * sum[j];
                    else for (int j = 0; j < w; j++) dx[px + j] = y[py + j] * (dy[pd + j] - sum[j]);
                }
            }
        });
    }
}
