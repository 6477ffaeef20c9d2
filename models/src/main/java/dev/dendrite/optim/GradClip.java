package dev.dendrite.optim;

import dev.dendrite.Autograd;
import dev.dendrite.DType;
import dev.dendrite.MemoryScope;
import dev.dendrite.Tensor;

import java.util.List;

/**
 * Gradient clipping, applied between {@code backward()} and {@link Optimizer#step()}. Parameters
 * without a gradient are ignored. Gradients are modified in place (or replaced, when a gradient
 * is not contiguous).
 */
public final class GradClip {
    /** Added to the norm before dividing, as PyTorch does, so a tiny norm never divides by zero. */
    public static final double NORM_EPS = 1e-6;

    private GradClip() {
    }

    /**
     * Scales all gradients together so that their global L2 norm is at most {@code maxNorm}
     * (PyTorch's {@code clip_grad_norm_}): with {@code n = √(Σ over parameters Σ g²)} and
     * {@code c = maxNorm / (n + 1e-6)}, every gradient is multiplied by {@code c} when {@code c < 1},
     * i.e. when the norm exceeds {@code maxNorm}. Direction is preserved.
     * When {@code n} is NaN or infinite the gradients are left unchanged (scaling would only turn
     * them into NaN) and the norm is returned so the caller can skip the step.
     *
     * @param params  parameters whose gradients to clip (of any shapes)
     * @param maxNorm largest allowed global norm, finite and {@code > 0}
     * @return the global norm before clipping (0 when no parameter has a gradient)
     */
    public static double clipGradNorm(List<Tensor> params, double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm))
            throw new IllegalArgumentException("clipGradNorm: maxNorm must be finite and > 0, got " + maxNorm);
        double norm;
        try (Autograd.NoGrad ignored = Autograd.noGrad(); MemoryScope scope = MemoryScope.open()) {
            // Sum of squares accumulated on the device in FLOAT64: one host read, not one per parameter.
            Tensor total = null;
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g == null) continue;
                Tensor sq = g.to(DType.FLOAT64).square().sum();
                total = total == null ? sq : total.add(sq.to(total.device()));
            }
            if (total == null) return 0;
            norm = Math.sqrt(total.item());
            if (!Double.isFinite(norm)) return norm;
            double coef = maxNorm / (norm + NORM_EPS);
            if (coef >= 1) return norm;
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g == null) continue;
                if (g.isContiguous()) g.mulInPlace(coef);
                else p.setGrad(g.mul(coef));
            }
        }
        return norm;
    }

    /**
     * Clamps every gradient element into {@code [−clipValue, clipValue]} (PyTorch's
     * {@code clip_grad_value_}).
     *
     * @param params    parameters whose gradients to clip
     * @param clipValue largest allowed magnitude, finite and {@code >= 0}
     */
    public static void clipGradValue(List<Tensor> params, double clipValue) {
        if (!(clipValue >= 0) || Double.isInfinite(clipValue))
            throw new IllegalArgumentException("clipGradValue: clipValue must be finite and >= 0, got " + clipValue);
        try (Autograd.NoGrad ignored = Autograd.noGrad(); MemoryScope scope = MemoryScope.open()) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g == null) continue;
                Tensor clamped = g.clamp(-clipValue, clipValue);
                if (g.isContiguous()) g.copyFrom(clamped);
                else p.setGrad(clamped);
            }
        }
    }
}
