package dev.dendrite.optim;

/**
 * Decays the rate by {@code gamma} every step: {@code lr(t) = baseLr · gammaᵗ}.
 *
 * @param gamma multiplicative factor per step, finite and {@code >= 0} (usually just below 1)
 */
public record ExponentialLR(double gamma) implements LrSchedule {
    /** Validates the components. */
    public ExponentialLR {
        Optimizer.checkNonNegative("ExponentialLR", "gamma", gamma);
    }

    @Override
    public double learningRate(long step, double baseLr) {
        LrSchedule.checkStep("ExponentialLR", step);
        return baseLr * Math.pow(gamma, step);
    }
}
