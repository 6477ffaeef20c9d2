package dev.dendrite.optim;

import java.util.Objects;

/**
 * Linear warm-up, then another schedule. For {@code t < warmupSteps}:
 * <pre>
 *   lr(t) = baseLr · (t + 1) / warmupSteps        (baseLr/warmupSteps, 2·baseLr/warmupSteps, ..., baseLr)
 * </pre>
 * and afterwards {@code lr(t) = then.learningRate(t − warmupSteps, baseLr)}, so the following
 * schedule starts from its own step 0 (a cosine starts at {@code baseLr}). The first step never
 * uses a rate of 0. {@code warmupSteps = 0} is just {@code then}.
 *
 * @param warmupSteps length of the ramp, {@code >= 0}
 * @param then        the schedule after the ramp
 */
public record WarmUp(long warmupSteps, LrSchedule then) implements LrSchedule {
    /** Validates the components. */
    public WarmUp {
        if (warmupSteps < 0) throw new IllegalArgumentException("WarmUp: warmupSteps must be >= 0, got " + warmupSteps);
        Objects.requireNonNull(then, "WarmUp: the schedule after warm-up is null (use LrSchedule.constant())");
    }

    @Override
    public double learningRate(long step, double baseLr) {
        LrSchedule.checkStep("WarmUp", step);
        if (step < warmupSteps) return baseLr * (step + 1) / warmupSteps;
        return then.learningRate(step - warmupSteps, baseLr);
    }
}
