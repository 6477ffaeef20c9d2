package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.Parallel;
import dev.dendrite.ops.CrossEntropyParams;
import dev.dendrite.ops.Reduction;

/**
 * Softmax cross-entropy from logits {@code [N, C]} (contiguous rows) and integer labels {@code [N]}.
 *
 * <p>With label smoothing ε the target of sample n is {@code t_c = (1 − ε)·[c = label_n] + ε/C}, and
 * {@code loss_n = −Σ_c t_c · logSoftmax(x_n)_c
 *   = −(1 − ε)·logSoftmax(x_n)_label − (ε/C)·Σ_c logSoftmax(x_n)_c},
 * with {@code logSoftmax(x)_c = x_c − M − log Σ_j e^(x_j − M)}, {@code M = max_j x_j} (stable for any
 * logit magnitude). Samples whose label equals {@link CrossEntropyParams#ignoreIndex()} have loss 0
 * and gradient 0 and are not counted. The gradient of the reduced loss is
 * {@code dlogits_n = (softmax(x_n) − t_n) · scale} with scale {@code 1/count} for MEAN (count = the
 * non-ignored samples) and 1 for SUM and NONE (for NONE these are the per-sample gradients).
 *
 * <p>Note [Cross-entropy mean over zero samples]
 * When every sample is ignored (or N = 0) the MEAN is 0/0. We write loss 0 and a zero gradient rather
 * than PyTorch's NaN, so that a batch that happens to be all padding leaves the parameters alone
 * instead of turning them into NaN.
 *
 * <p>Labels are checked before anything is written: a label outside {@code [0, C)} that is not the
 * ignore index throws {@link IllegalArgumentException} naming the label, the sample and the range.
 * The per-sample losses are summed serially in sample order, so the reduced loss does not depend on
 * the thread count.
 */
public final class LossKernels {
    private static final int GRAIN = 1 << 14;

    private LossKernels() {
    }

    /**
     * Softmax cross-entropy, float logits, INT32 labels (formulas on the class).
     *
     * @param logits {@code [N, C]} at {@code lOff}
     * @param labels {@code [N]} class indices at {@code labOff}
     * @param loss output: {@code loss[lossOff]} for MEAN and SUM, {@code loss[lossOff .. lossOff+N)} for NONE
     * @param dlogits gradient {@code [N, C]}, or null when not wanted
     * @throws IllegalArgumentException for a label outside {@code [0, C)} that is not the ignore index
     */
    public static void softmaxCrossEntropy(float[] logits, int lOff, int n, int c, int[] labels, int labOff,
                                           CrossEntropyParams p, float[] loss, int lossOff, float[] dlogits, int dOff) {
        int[] cls = classes(labels, labOff, n, c, p);
        compute(logits, lOff, n, c, cls, p, loss, lossOff, dlogits, dOff);
    }

    /** As {@link #softmaxCrossEntropy(float[], int, int, int, int[], int, CrossEntropyParams, float[], int, float[], int)} with INT64 labels. */
    public static void softmaxCrossEntropy(float[] logits, int lOff, int n, int c, long[] labels, int labOff,
                                           CrossEntropyParams p, float[] loss, int lossOff, float[] dlogits, int dOff) {
        int[] cls = classes(labels, labOff, n, c, p);
        compute(logits, lOff, n, c, cls, p, loss, lossOff, dlogits, dOff);
    }

    /** As {@link #softmaxCrossEntropy(float[], int, int, int, int[], int, CrossEntropyParams, float[], int, float[], int)} in double precision. */
    public static void softmaxCrossEntropy(double[] logits, int lOff, int n, int c, int[] labels, int labOff,
                                           CrossEntropyParams p, double[] loss, int lossOff, double[] dlogits, int dOff) {
        int[] cls = classes(labels, labOff, n, c, p);
        compute(logits, lOff, n, c, cls, p, loss, lossOff, dlogits, dOff);
    }

    /** As {@link #softmaxCrossEntropy(float[], int, int, int, int[], int, CrossEntropyParams, float[], int, float[], int)} in double precision with INT64 labels. */
    public static void softmaxCrossEntropy(double[] logits, int lOff, int n, int c, long[] labels, int labOff,
                                           CrossEntropyParams p, double[] loss, int lossOff, double[] dlogits, int dOff) {
        int[] cls = classes(labels, labOff, n, c, p);
        compute(logits, lOff, n, c, cls, p, loss, lossOff, dlogits, dOff);
    }

    // ---- label checking ---------------------------------------------------------------------------

    /** Validated class per sample, −1 for an ignored sample. */
    private static int[] classes(int[] labels, int off, int n, int c, CrossEntropyParams p) {
        int[] cls = new int[n];
        for (int i = 0; i < n; i++) cls[i] = classOf(labels[off + i], i, c, p);
        return cls;
    }

    private static int[] classes(long[] labels, int off, int n, int c, CrossEntropyParams p) {
        int[] cls = new int[n];
        for (int i = 0; i < n; i++) cls[i] = classOf(labels[off + i], i, c, p);
        return cls;
    }

    private static int classOf(long label, int sample, int c, CrossEntropyParams p) {
        // The ignore index wins even when it is a valid class, as in PyTorch.
        if (label == p.ignoreIndex()) return -1;
        if (label < 0 || label >= c) {
            String ignore = p.ignoreIndex() == CrossEntropyParams.NO_IGNORE ? "" : " and is not the ignore index " + p.ignoreIndex();
            throw new IllegalArgumentException("crossEntropy: label " + label + " at sample " + sample
                    + " is out of range [0, " + c + ")" + ignore);
        }
        return (int) label;
    }

    private static int countKept(int[] cls) {
        int count = 0;
        for (int k : cls) if (k >= 0) count++;
        return count;
    }

    // ---- float core -------------------------------------------------------------------------------

    private static void compute(float[] x, int xOff, int n, int c, int[] cls, CrossEntropyParams p,
                                float[] loss, int lossOff, float[] dx, int dOff) {
        Reduction red = p.reduction();
        int count = countKept(cls);
        double eps = p.labelSmoothing(), offTarget = eps / c, onTarget = 1 - eps + offTarget;
        double scale = switch (red) {
            case MEAN -> count == 0 ? 0 : 1.0 / count;
            case SUM, NONE -> 1;
        };
        double[] perSample = red == Reduction.NONE ? null : new double[n];
        Parallel.forRange(n, Math.max(1, GRAIN / Math.max(1, c)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int row = xOff + r * c, label = cls[r];
                double l = 0;
                if (label < 0) {
                    if (dx != null) java.util.Arrays.fill(dx, dOff + r * c, dOff + (r + 1) * c, 0f);
                } else {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < c; j++) max = Math.max(max, x[row + j]);
                    double sum = 0;
                    for (int j = 0; j < c; j++) sum += Math.exp(x[row + j] - max);
                    double lse = max + Math.log(sum);
                    l = -(1 - eps) * (x[row + label] - lse);
                    if (eps != 0) {
                        // Σ_c (x_c − lse) term by term: with large logits Σx − C·lse would cancel.
                        double sumLogp = 0;
                        for (int j = 0; j < c; j++) sumLogp += x[row + j] - lse;
                        l -= offTarget * sumLogp;
                    }
                    if (dx != null) {
                        int g = dOff + r * c;
                        for (int j = 0; j < c; j++) {
                            double t = j == label ? onTarget : offTarget;
                            dx[g + j] = (float) ((Math.exp(x[row + j] - lse) - t) * scale);
                        }
                    }
                }
                if (perSample == null) loss[lossOff + r] = (float) l;
                else perSample[r] = l;
            }
        });
        if (perSample != null) loss[lossOff] = (float) reduce(perSample, red, count);
    }

    // ---- double core: the same algorithm as the float core ----------------------------------------

    private static void compute(double[] x, int xOff, int n, int c, int[] cls, CrossEntropyParams p,
                                double[] loss, int lossOff, double[] dx, int dOff) {
        Reduction red = p.reduction();
        int count = countKept(cls);
        double eps = p.labelSmoothing(), offTarget = eps / c, onTarget = 1 - eps + offTarget;
        double scale = switch (red) {
            case MEAN -> count == 0 ? 0 : 1.0 / count;
            case SUM, NONE -> 1;
        };
        double[] perSample = red == Reduction.NONE ? null : new double[n];
        Parallel.forRange(n, Math.max(1, GRAIN / Math.max(1, c)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int row = xOff + r * c, label = cls[r];
                double l = 0;
                if (label < 0) {
                    if (dx != null) java.util.Arrays.fill(dx, dOff + r * c, dOff + (r + 1) * c, 0.0);
                } else {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < c; j++) max = Math.max(max, x[row + j]);
                    double sum = 0;
                    for (int j = 0; j < c; j++) sum += Math.exp(x[row + j] - max);
                    double lse = max + Math.log(sum);
                    l = -(1 - eps) * (x[row + label] - lse);
                    if (eps != 0) {
                        double sumLogp = 0;
                        for (int j = 0; j < c; j++) sumLogp += x[row + j] - lse;
                        l -= offTarget * sumLogp;
                    }
                    if (dx != null) {
                        int g = dOff + r * c;
                        for (int j = 0; j < c; j++) {
                            double t = j == label ? onTarget : offTarget;
                            dx[g + j] = (Math.exp(x[row + j] - lse) - t) * scale;
                        }
                    }
                }
                if (perSample == null) loss[lossOff + r] = l;
                else perSample[r] = l;
            }
        });
        if (perSample != null) loss[lossOff] = reduce(perSample, red, count);
    }

    private static double reduce(double[] perSample, Reduction red, int count) {
        double total = 0;
        for (double v : perSample) total += v;
        return switch (red) {
            case MEAN -> count == 0 ? 0 : total / count;
            case SUM -> total;
            case NONE -> throw new IllegalStateException("crossEntropy: NONE writes per-sample losses, nothing to reduce");
        };
    }
}
