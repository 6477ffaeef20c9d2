package dev.dendrite.optim;

/**
 * Half a cosine from {@code baseLr} down to {@code etaMin} over {@code tMax} steps (Loshchilov &amp;
 * Hutter's SGDR without restarts):
 * <pre>
 *   lr(t) = etaMin + (baseLr − etaMin) · (1 + cos(π · min(t, tMax) / tMax)) / 2
 * </pre>
 * so {@code lr(0) = baseLr}, {@code lr(tMax/2)} is the midpoint and {@code lr(t) = etaMin} for every
 * {@code t >= tMax}. (PyTorch's closed form keeps following the cosine back up after {@code tMax};
 * holding at the minimum is what a schedule sized to the whole run wants.)
 *
 * @param tMax   steps of the descent, {@code >= 1}
 * @param etaMin the final rate, finite and {@code >= 0}
 */
public record CosineAnnealingLR(long tMax, double etaMin) implements LrSchedule {
    /** Validates the components. */
    public CosineAnnealingLR {
        if (tMax < 1) throw new IllegalArgumentException("CosineAnnealingLR: tMax must be >= 1, got " + tMax);
        Optimizer.checkNonNegative("CosineAnnealingLR", "etaMin", etaMin);
    }

    @Override
    public double learningRate(long step, double baseLr) {
        LrSchedule.checkStep("CosineAnnealingLR", step);
        if (step >= tMax) return etaMin;
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * step / tMax)) / 2;
    }
}
