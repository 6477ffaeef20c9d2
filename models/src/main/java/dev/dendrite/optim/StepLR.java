package dev.dendrite.optim;

/**
 * Decays the rate by {@code gamma} every {@code stepSize} steps:
 * {@code lr(t) = baseLr · gamma^⌊t / stepSize⌋}.
 *
 * @param stepSize steps between decays, {@code >= 1}
 * @param gamma    multiplicative factor, finite and {@code >= 0} (usually {@code < 1})
 */
public record StepLR(long stepSize, double gamma) implements LrSchedule {
    /** Validates the components. */
    public StepLR {
        if (stepSize < 1) throw new IllegalArgumentException("StepLR: stepSize must be >= 1, got " + stepSize);
        Optimizer.checkNonNegative("StepLR", "gamma", gamma);
    }

    @Override
    public double learningRate(long step, double baseLr) {
        LrSchedule.checkStep("StepLR", step);
        return baseLr * Math.pow(gamma, step / stepSize);
    }
}
