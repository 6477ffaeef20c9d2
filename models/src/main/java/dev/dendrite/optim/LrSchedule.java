package dev.dendrite.optim;

/**
 * A learning rate as a function of the global step: the trainer calls
 * {@code optimizer.setLearningRate(schedule.learningRate(step, baseLr))} before every update, with
 * {@code step} counting from 0 and {@code baseLr} the optimizer's rate when training started.
 * Implementations are pure functions, so resuming at any step reproduces the rate exactly.
 */
@FunctionalInterface
public interface LrSchedule {
    /**
     * @param step   the 0-based index of the coming update, {@code >= 0}
     * @param baseLr the initial learning rate
     * @return the learning rate for that update
     */
    double learningRate(long step, double baseLr);

    /** A constant rate: {@code baseLr} at every step. */
    static LrSchedule constant() {
        return (step, baseLr) -> baseLr;
    }

    /** Throws for a negative step, naming the schedule. */
    static void checkStep(String schedule, long step) {
        if (step < 0) throw new IllegalArgumentException(schedule + ": step must be >= 0, got " + step);
    }
}
