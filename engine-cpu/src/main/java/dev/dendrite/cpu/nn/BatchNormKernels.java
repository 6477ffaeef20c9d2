package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.FloatSums;
import dev.dendrite.cpu.Parallel;
import dev.dendrite.cpu.gemm.Gemm;

/**
 * Batch normalisation on contiguous arrays, cuDNN's spatial mode. The input is viewed as
 * {@code [N, C, S]} with {@code S = H·W} for NCHW input (or 1 for {@code [N, C]} input); statistics are
 * per channel over the {@code m = N·S} elements of that channel. Per-channel arrays ({@code gamma},
 * {@code beta}, running and saved statistics) have length C. Sums are accumulated in double for both
 * element types; float outputs are rounded once.
 *
 * <p>Work is split over channel ranges. Inside a range the loops run sample-major
 * ({@code n → channel → s}), so that both NCHW (long contiguous S runs) and {@code [N, C]} input
 * (S = 1, contiguous channel runs) are read in memory order.
 *
 * <p>Optional arguments: {@code gamma == null} means γ = 1, {@code beta == null} means β = 0 (no
 * affine transform); null running-statistics, saved-statistics, {@code dgamma} or {@code dbeta}
 * arrays are neither read nor written.
 *
 * <p>Note [Batch norm with m ≤ 1]
 * The running variance takes the unbiased batch variance {@code σ²·m/(m − 1)}, which is 0/0 for
 * m = 1. We use the biased value (0) there instead of failing or writing NaN into a running
 * statistic that would then poison every later inference. For m = 0 (an empty batch) the channel has
 * no statistics: the saved mean is 0, the saved inverse std is {@code 1/√ε}, the running statistics
 * are left unchanged and the backward pass writes zero gradients.
 */
public final class BatchNormKernels {
    /** Elements below which a range of channels is not worth handing to another thread. */
    private static final int GRAIN = 1 << 15;
    /** The float runs of S > 1 elements go to {@link VectorBatchNorm} (Note [Batch norm in double lanes]). */
    private static final boolean VECTOR = Gemm.isVectorized();

    private BatchNormKernels() {
    }

    private static int channelGrain(int n, int s) {
        long perChannel = Math.max(1L, (long) n * s);
        return (int) Math.max(1L, GRAIN / perChannel);
    }

    // ---------------------------------------------------------------------------------------------
    // float
    // ---------------------------------------------------------------------------------------------

    /**
     * Training forward. For each channel k, with {@code m = N·S}:
     * {@code μ = Σx/m}, {@code σ² = Σ(x − μ)²/m} (biased), {@code invStd = 1/√(σ² + ε)},
     * {@code y = γ·(x − μ)·invStd + β};
     * {@code runningMean = (1 − momentum)·runningMean + momentum·μ},
     * {@code runningVar = (1 − momentum)·runningVar + momentum·σ²·m/(m − 1)} (biased σ² when m = 1,
     * see Note [Batch norm with m ≤ 1]); {@code saveMean = μ}, {@code saveInvStd = invStd}.
     *
     * @param x input viewed as {@code [N, C, S]} at {@code xOff}
     * @param gamma scale {@code [C]}, or null for 1
     * @param beta shift {@code [C]}, or null for 0
     * @param runningMean running mean {@code [C]}, updated in place (null to skip)
     * @param runningVar running variance {@code [C]}, updated in place (null to skip)
     * @param y output {@code [N, C, S]}; may be the same region as x
     * @param saveMean batch mean {@code [C]} for the backward pass (null to skip)
     * @param saveInvStd {@code 1/√(σ² + ε)} {@code [C]} for the backward pass (null to skip)
     */
    public static void forwardTraining(float[] x, int xOff, int n, int c, int s, float[] gamma, int gOff, float[] beta, int bOff,
                                       double epsilon, double momentum, float[] runningMean, int rmOff, float[] runningVar, int rvOff,
                                       float[] y, int yOff, float[] saveMean, int smOff, float[] saveInvStd, int siOff) {
        long m = (long) n * s;
        Parallel.forRange(c, channelGrain(n, s), (c0, c1) -> {
            int k = c1 - c0;
            double[] mean = new double[k], acc = new double[k];
            for (int ni = 0; ni < n; ni++) {
                int base = xOff + (ni * c + c0) * s;
                if (s == 1) {
                    for (int ch = 0; ch < k; ch++) mean[ch] += x[base + ch];
                    continue;
                }
                for (int ch = 0; ch < k; ch++) mean[ch] += FloatSums.sum(x, base + ch * s, s);
            }
            for (int ch = 0; ch < k; ch++) mean[ch] = m == 0 ? 0 : mean[ch] / m;
            // Two passes (mean, then squared deviations): no cancellation when |μ| >> σ.
            for (int ni = 0; ni < n; ni++) {
                int base = xOff + (ni * c + c0) * s;
                if (s == 1) {
                    for (int ch = 0; ch < k; ch++) {
                        double d = x[base + ch] - mean[ch];
                        acc[ch] += d * d;
                    }
                    continue;
                }
                for (int ch = 0; ch < k; ch++) acc[ch] += squaredDeviations(x, base + ch * s, s, mean[ch]);
            }
            double[] scale = new double[k], shift = new double[k];
            for (int ch = 0; ch < k; ch++) {
                int gc = c0 + ch;
                double var = m == 0 ? 0 : acc[ch] / m;
                double invStd = 1 / Math.sqrt(var + epsilon);
                scale[ch] = (gamma == null ? 1 : gamma[gOff + gc]) * invStd;
                shift[ch] = beta == null ? 0 : beta[bOff + gc];
                if (saveMean != null) saveMean[smOff + gc] = (float) mean[ch];
                if (saveInvStd != null) saveInvStd[siOff + gc] = (float) invStd;
                if (m > 0) {
                    double unbiased = m > 1 ? var * m / (m - 1) : var;
                    if (runningMean != null)
                        runningMean[rmOff + gc] = (float) ((1 - momentum) * runningMean[rmOff + gc] + momentum * mean[ch]);
                    if (runningVar != null)
                        runningVar[rvOff + gc] = (float) ((1 - momentum) * runningVar[rvOff + gc] + momentum * unbiased);
                }
            }
            normalize(x, xOff, n, c, s, c0, k, mean, scale, shift, y, yOff);
        });
    }

    /** {@code y = (x − mean[ch])·scale[ch] + shift[ch]} over channels {@code [c0, c0 + k)}. */
    private static void normalize(float[] x, int xOff, int n, int c, int s, int c0, int k,
                                  double[] mean, double[] scale, double[] shift, float[] y, int yOff) {
        for (int ni = 0; ni < n; ni++) {
            int xb = xOff + (ni * c + c0) * s, yb = yOff + (ni * c + c0) * s;
            if (s == 1) {
                for (int ch = 0; ch < k; ch++) y[yb + ch] = (float) ((x[xb + ch] - mean[ch]) * scale[ch] + shift[ch]);
                continue;
            }
            for (int ch = 0; ch < k; ch++) {
                double mu = mean[ch], sc = scale[ch], sh = shift[ch];
                int p = xb + ch * s, q = yb + ch * s;
                if (VECTOR) {
                    VectorBatchNorm.normalize(x, p, y, q, s, mu, sc, sh);
                    continue;
                }
                for (int si = 0; si < s; si++) y[q + si] = (float) ((x[p + si] - mu) * sc + sh);
            }
        }
    }

    /**
     * Inference forward with given statistics: {@code y = γ·(x − mean)/√(var + ε) + β} per channel.
     *
     * @param x input viewed as {@code [N, C, S]}
     * @param gamma scale {@code [C]}, or null for 1
     * @param beta shift {@code [C]}, or null for 0
     * @param mean statistics mean {@code [C]} (usually the running mean)
     * @param var statistics variance {@code [C]} (usually the running variance)
     * @param y output {@code [N, C, S]}; may be the same region as x
     */
    public static void forwardInference(float[] x, int xOff, int n, int c, int s, float[] gamma, int gOff, float[] beta, int bOff,
                                        float[] mean, int mOff, float[] var, int vOff, double epsilon, float[] y, int yOff) {
        Parallel.forRange(c, channelGrain(n, s), (c0, c1) -> {
            int k = c1 - c0;
            double[] mu = new double[k], scale = new double[k], shift = new double[k];
            for (int ch = 0; ch < k; ch++) {
                int gc = c0 + ch;
                mu[ch] = mean[mOff + gc];
                scale[ch] = (gamma == null ? 1 : gamma[gOff + gc]) / Math.sqrt(var[vOff + gc] + epsilon);
                shift[ch] = beta == null ? 0 : beta[bOff + gc];
            }
            normalize(x, xOff, n, c, s, c0, k, mu, scale, shift, y, yOff);
        });
    }

    /**
     * Training-mode backward from the statistics saved by {@link #forwardTraining}. Per channel, with
     * {@code x̂ = (x − saveMean)·saveInvStd} and {@code m = N·S}:
     * {@code dβ = Σ dy}, {@code dγ = Σ dy·x̂},
     * {@code dx = γ·invStd/m · (m·dy − dβ − x̂·dγ)}. All outputs are overwritten.
     *
     * @param x forward input {@code [N, C, S]}
     * @param dy gradient of y {@code [N, C, S]}
     * @param gamma scale {@code [C]}, or null for 1
     * @param dx gradient of x {@code [N, C, S]}
     * @param dgamma gradient of γ {@code [C]} (null to skip)
     * @param dbeta gradient of β {@code [C]} (null to skip)
     */
    public static void backward(float[] x, int xOff, float[] dy, int dyOff, int n, int c, int s, float[] gamma, int gOff,
                                float[] saveMean, int smOff, float[] saveInvStd, int siOff,
                                float[] dx, int dxOff, float[] dgamma, int dgOff, float[] dbeta, int dbOff) {
        long m = (long) n * s;
        Parallel.forRange(c, channelGrain(n, s), (c0, c1) -> {
            int k = c1 - c0;
            double[] mean = new double[k], sumDy = new double[k], sumDyXc = new double[k];   // Σ dy, Σ dy·(x − μ)
            for (int ch = 0; ch < k; ch++) mean[ch] = saveMean[smOff + c0 + ch];
            for (int ni = 0; ni < n; ni++) {
                int xb = xOff + (ni * c + c0) * s, db = dyOff + (ni * c + c0) * s;
                if (s == 1) {
                    for (int ch = 0; ch < k; ch++) {
                        double d = dy[db + ch];
                        sumDy[ch] += d;
                        sumDyXc[ch] += d * (x[xb + ch] - mean[ch]);
                    }
                    continue;
                }
                for (int ch = 0; ch < k; ch++) {
                    sumDy[ch] += FloatSums.sum(dy, db + ch * s, s);
                    sumDyXc[ch] += centredProducts(dy, db + ch * s, x, xb + ch * s, s, mean[ch]);
                }
            }
            // dx = γ·invStd·(dy − dβ/m − x̂·dγ/m) = scale·dy − scale·dβ/m − (x − μ)·(scale·invStd·dγ/m)
            double[] scale = new double[k], bias = new double[k], slope = new double[k];
            for (int ch = 0; ch < k; ch++) {
                int gc = c0 + ch;
                double invStd = saveInvStd[siOff + gc], dGamma = sumDyXc[ch] * invStd;
                if (dbeta != null) dbeta[dbOff + gc] = (float) sumDy[ch];
                if (dgamma != null) dgamma[dgOff + gc] = (float) dGamma;
                scale[ch] = (gamma == null ? 1 : gamma[gOff + gc]) * invStd;
                bias[ch] = m == 0 ? 0 : scale[ch] * sumDy[ch] / m;
                slope[ch] = m == 0 ? 0 : scale[ch] * invStd * dGamma / m;
            }
            if (m == 0) return;
            for (int ni = 0; ni < n; ni++) {
                int xb = xOff + (ni * c + c0) * s, db = dyOff + (ni * c + c0) * s, ob = dxOff + (ni * c + c0) * s;
                if (s == 1) {
                    for (int ch = 0; ch < k; ch++)
                        dx[ob + ch] = (float) (scale[ch] * dy[db + ch] - bias[ch] - (x[xb + ch] - mean[ch]) * slope[ch]);
                    continue;
                }
                for (int ch = 0; ch < k; ch++) {
                    double mu = mean[ch], sc = scale[ch], bi = bias[ch], sl = slope[ch];
                    int p = xb + ch * s, q = db + ch * s, o = ob + ch * s;
                    if (VECTOR) {
                        VectorBatchNorm.inputGradient(dy, q, x, p, dx, o, s, mu, sc, bi, sl);
                        continue;
                    }
                    for (int si = 0; si < s; si++) dx[o + si] = (float) (sc * dy[q + si] - bi - (x[p + si] - mu) * sl);
                }
            }
        });
    }

    // Note [Independent accumulators]: one double accumulator per sum is a chain of dependent adds, four
    // cycles each, which made batch norm on [64, 64, 32, 32] twice as slow as PyTorch. Four
    // accumulators (combined in a fixed order) keep the adder busy; the sums are still in double and
    // still deterministic. Plain sums go through FloatSums, which does the same with eight.

    /** {@code Σ (a[i] − mu)²} over {@code [p, p + len)} in double. */
    private static double squaredDeviations(float[] a, int p, int len, double mu) {
        if (VECTOR) return VectorBatchNorm.squaredDeviations(a, p, len, mu);
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = p, end = p + len;
        for (; i + 3 < end; i += 4) {
            double d0 = a[i] - mu, d1 = a[i + 1] - mu, d2 = a[i + 2] - mu, d3 = a[i + 3] - mu;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; i < end; i++) {
            double d = a[i] - mu;
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** {@code Σ dy[i]·(x[j] − mu)} over aligned runs of {@code len} in double. */
    private static double centredProducts(float[] dy, int q, float[] x, int p, int len, double mu) {
        if (VECTOR) return VectorBatchNorm.centredProducts(dy, q, x, p, len, mu);
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < len; i += 4) {
            s0 += dy[q + i] * (x[p + i] - mu);
            s1 += dy[q + i + 1] * (x[p + i + 1] - mu);
            s2 += dy[q + i + 2] * (x[p + i + 2] - mu);
            s3 += dy[q + i + 3] * (x[p + i + 3] - mu);
        }
        for (; i < len; i++) s0 += dy[q + i] * (x[p + i] - mu);
        return (s0 + s1) + (s2 + s3);
    }

    // ---------------------------------------------------------------------------------------------
    // double: the same algorithms as the float overloads above
    // ---------------------------------------------------------------------------------------------

    /** The double-precision {@link #forwardTraining(float[], int, int, int, int, float[], int, float[], int, double, double, float[], int, float[], int, float[], int, float[], int, float[], int)}. */
    public static void forwardTraining(double[] x, int xOff, int n, int c, int s, double[] gamma, int gOff, double[] beta, int bOff,
                                       double epsilon, double momentum, double[] runningMean, int rmOff, double[] runningVar, int rvOff,
                                       double[] y, int yOff, double[] saveMean, int smOff, double[] saveInvStd, int siOff) {
        long m = (long) n * s;
        Parallel.forRange(c, channelGrain(n, s), (c0, c1) -> {
            int k = c1 - c0;
            double[] mean = new double[k], acc = new double[k];
            for (int ni = 0; ni < n; ni++) {
                int base = xOff + (ni * c + c0) * s;
                if (s == 1) {
                    for (int ch = 0; ch < k; ch++) mean[ch] += x[base + ch];
                    continue;
                }
                for (int ch = 0; ch < k; ch++) {
                    int p = base + ch * s;
                    double sum = 0;
                    for (int si = 0; si < s; si++) sum += x[p + si];
                    mean[ch] += sum;
                }
            }
            for (int ch = 0; ch < k; ch++) mean[ch] = m == 0 ? 0 : mean[ch] / m;
            for (int ni = 0; ni < n; ni++) {
                int base = xOff + (ni * c + c0) * s;
                if (s == 1) {
                    for (int ch = 0; ch < k; ch++) {
                        double d = x[base + ch] - mean[ch];
                        acc[ch] += d * d;
                    }
                    continue;
                }
                for (int ch = 0; ch < k; ch++) {
                    int p = base + ch * s;
                    double mu = mean[ch], sq = 0;
                    for (int si = 0; si < s; si++) {
                        double d = x[p + si] - mu;
                        sq += d * d;
                    }
                    acc[ch] += sq;
                }
            }
            double[] scale = new double[k], shift = new double[k];
            for (int ch = 0; ch < k; ch++) {
                int gc = c0 + ch;
                double var = m == 0 ? 0 : acc[ch] / m;
                double invStd = 1 / Math.sqrt(var + epsilon);
                scale[ch] = (gamma == null ? 1 : gamma[gOff + gc]) * invStd;
                shift[ch] = beta == null ? 0 : beta[bOff + gc];
                if (saveMean != null) saveMean[smOff + gc] = mean[ch];
                if (saveInvStd != null) saveInvStd[siOff + gc] = invStd;
                if (m > 0) {
                    double unbiased = m > 1 ? var * m / (m - 1) : var;
                    if (runningMean != null)
                        runningMean[rmOff + gc] = ((1 - momentum) * runningMean[rmOff + gc] + momentum * mean[ch]);
                    if (runningVar != null)
                        runningVar[rvOff + gc] = ((1 - momentum) * runningVar[rvOff + gc] + momentum * unbiased);
                }
            }
            normalize(x, xOff, n, c, s, c0, k, mean, scale, shift, y, yOff);
        });
    }

    private static void normalize(double[] x, int xOff, int n, int c, int s, int c0, int k,
                                  double[] mean, double[] scale, double[] shift, double[] y, int yOff) {
        for (int ni = 0; ni < n; ni++) {
            int xb = xOff + (ni * c + c0) * s, yb = yOff + (ni * c + c0) * s;
            if (s == 1) {
                for (int ch = 0; ch < k; ch++) y[yb + ch] = ((x[xb + ch] - mean[ch]) * scale[ch] + shift[ch]);
                continue;
            }
            for (int ch = 0; ch < k; ch++) {
                double mu = mean[ch], sc = scale[ch], sh = shift[ch];
                int p = xb + ch * s, q = yb + ch * s;
                for (int si = 0; si < s; si++) y[q + si] = ((x[p + si] - mu) * sc + sh);
            }
        }
    }

    /** The double-precision {@link #forwardInference(float[], int, int, int, int, float[], int, float[], int, float[], int, float[], int, double, float[], int)}. */
    public static void forwardInference(double[] x, int xOff, int n, int c, int s, double[] gamma, int gOff, double[] beta, int bOff,
                                        double[] mean, int mOff, double[] var, int vOff, double epsilon, double[] y, int yOff) {
        Parallel.forRange(c, channelGrain(n, s), (c0, c1) -> {
            int k = c1 - c0;
            double[] mu = new double[k], scale = new double[k], shift = new double[k];
            for (int ch = 0; ch < k; ch++) {
                int gc = c0 + ch;
                mu[ch] = mean[mOff + gc];
                scale[ch] = (gamma == null ? 1 : gamma[gOff + gc]) / Math.sqrt(var[vOff + gc] + epsilon);
                shift[ch] = beta == null ? 0 : beta[bOff + gc];
            }
            normalize(x, xOff, n, c, s, c0, k, mu, scale, shift, y, yOff);
        });
    }

    /** The double-precision {@link #backward(float[], int, float[], int, int, int, int, float[], int, float[], int, float[], int, float[], int, float[], int, float[], int)}. */
    public static void backward(double[] x, int xOff, double[] dy, int dyOff, int n, int c, int s, double[] gamma, int gOff,
                                double[] saveMean, int smOff, double[] saveInvStd, int siOff,
                                double[] dx, int dxOff, double[] dgamma, int dgOff, double[] dbeta, int dbOff) {
        long m = (long) n * s;
        Parallel.forRange(c, channelGrain(n, s), (c0, c1) -> {
            int k = c1 - c0;
            double[] mean = new double[k], sumDy = new double[k], sumDyXc = new double[k];   // Σ dy, Σ dy·(x − μ)
            for (int ch = 0; ch < k; ch++) mean[ch] = saveMean[smOff + c0 + ch];
            for (int ni = 0; ni < n; ni++) {
                int xb = xOff + (ni * c + c0) * s, db = dyOff + (ni * c + c0) * s;
                if (s == 1) {
                    for (int ch = 0; ch < k; ch++) {
                        double d = dy[db + ch];
                        sumDy[ch] += d;
                        sumDyXc[ch] += d * (x[xb + ch] - mean[ch]);
                    }
                    continue;
                }
                for (int ch = 0; ch < k; ch++) {
                    double mu = mean[ch], sd = 0, sdx = 0;
                    int p = xb + ch * s, q = db + ch * s;
                    for (int si = 0; si < s; si++) {
                        double d = dy[q + si];
                        sd += d;
                        sdx += d * (x[p + si] - mu);
                    }
                    sumDy[ch] += sd;
                    sumDyXc[ch] += sdx;
                }
            }
            double[] scale = new double[k], bias = new double[k], slope = new double[k];
            for (int ch = 0; ch < k; ch++) {
                int gc = c0 + ch;
                double invStd = saveInvStd[siOff + gc], dGamma = sumDyXc[ch] * invStd;
                if (dbeta != null) dbeta[dbOff + gc] = sumDy[ch];
                if (dgamma != null) dgamma[dgOff + gc] = dGamma;
                scale[ch] = (gamma == null ? 1 : gamma[gOff + gc]) * invStd;
                bias[ch] = m == 0 ? 0 : scale[ch] * sumDy[ch] / m;
                slope[ch] = m == 0 ? 0 : scale[ch] * invStd * dGamma / m;
            }
            if (m == 0) return;
            for (int ni = 0; ni < n; ni++) {
                int xb = xOff + (ni * c + c0) * s, db = dyOff + (ni * c + c0) * s, ob = dxOff + (ni * c + c0) * s;
                if (s == 1) {
                    for (int ch = 0; ch < k; ch++)
                        dx[ob + ch] = (scale[ch] * dy[db + ch] - bias[ch] - (x[xb + ch] - mean[ch]) * slope[ch]);
                    continue;
                }
                for (int ch = 0; ch < k; ch++) {
                    double mu = mean[ch], sc = scale[ch], bi = bias[ch], sl = slope[ch];
                    int p = xb + ch * s, q = db + ch * s, o = ob + ch * s;
                    for (int si = 0; si < s; si++) dx[o + si] = (sc * dy[q + si] - bi - (x[p + si] - mu) * sl);
                }
            }
        });
    }
}
