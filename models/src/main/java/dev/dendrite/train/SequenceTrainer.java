package dev.dendrite.train;

import dev.dendrite.MemoryScope;
import dev.dendrite.Tensor;
import dev.dendrite.nn.Module;
import dev.dendrite.optim.GradClip;
import dev.dendrite.optim.LrSchedule;
import dev.dendrite.optim.Optimizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Step-based training for models whose loss is not {@link Trainer}'s image-classification
 * cross-entropy: language models, sequence-to-sequence models, regression. The caller supplies the
 * loss of each step as a function, so the data (streams of text with a carried state, synthetic
 * batches, sliding windows) stays with the caller; this class does the rest of an update the way
 * {@link Trainer} does it: its own {@link MemoryScope}, a finite-loss check, backward, clipping of
 * the global gradient norm ({@link GradClip#clipGradNorm}), the learning-rate schedule and the
 * optimizer step.
 */
public final class SequenceTrainer {
    private final Module model;
    private final Optimizer optimizer;
    private final double baseLr;
    private LrSchedule schedule;
    private double clipNorm = Double.NaN;
    private double lastGradNorm = Double.NaN;
    private long step;

    public SequenceTrainer(Module model, Optimizer optimizer) {
        if (model == null || optimizer == null) throw new IllegalArgumentException("SequenceTrainer: model and optimizer must not be null");
        this.model = model;
        this.optimizer = optimizer;
        this.baseLr = optimizer.learningRate();
    }

    /** Learning rate per step from the optimizer's rate at construction. */
    public SequenceTrainer schedule(LrSchedule s) {
        schedule = s;
        return this;
    }

    /**
     * Clips the global gradient L2 norm to {@code maxNorm} before every update (recurrent networks
     * occasionally produce exploding gradients; clipping keeps one bad batch from wrecking the
     * weights). NaN turns clipping off.
     */
    public SequenceTrainer clipGradNorm(double maxNorm) {
        if (!Double.isNaN(maxNorm) && !(maxNorm > 0 && !Double.isInfinite(maxNorm)))
            throw new IllegalArgumentException("SequenceTrainer: clip norm must be finite and > 0 (or NaN for none), got " + maxNorm);
        clipNorm = maxNorm;
        return this;
    }

    /** Updates done so far. */
    public long steps() {
        return step;
    }

    /** The global gradient norm of the last update, before clipping (NaN before the first update or without clipping). */
    public double lastGradNorm() {
        return lastGradNorm;
    }

    /**
     * One update. {@code loss} runs inside the step's memory scope, so every tensor it makes is freed
     * when the step ends; what must outlive the step (a recurrent state carried to the next batch)
     * the function takes out of the scope itself, e.g. with {@code RnnCells.State.keep()}.
     * @param loss computes the scalar loss of one batch in training mode
     * @return the loss value
     * @throws TrainingDivergedException if the loss or the gradient norm is NaN or infinite
     */
    public double step(Supplier<Tensor> loss) {
        if (schedule != null) optimizer.setLearningRate(schedule.learningRate(step, baseLr));
        model.train();
        try (MemoryScope scope = MemoryScope.open()) {
            optimizer.zeroGrad();
            Tensor l = loss.get();
            if (l.numel() != 1) throw new IllegalArgumentException("SequenceTrainer: the loss must be a scalar, got " + l.shape());
            double value = l.item();
            if (!Double.isFinite(value))
                throw new TrainingDivergedException("training loss became " + value + " at step " + (step + 1)
                        + "; lower the learning rate or clip gradients harder");
            l.backward();
            if (!Double.isNaN(clipNorm)) {
                lastGradNorm = GradClip.clipGradNorm(model.parameters(), clipNorm);
                if (!Double.isFinite(lastGradNorm))
                    throw new TrainingDivergedException("gradient norm became " + lastGradNorm + " at step " + (step + 1) + " (loss " + value
                            + "); lower the learning rate");
            }
            optimizer.step();
            step++;
            return value;
        }
    }

    /**
     * What training achieved at a report point.
     * @param trainLoss mean loss of the steps since the previous report
     * @param metrics the evaluation's named values, in its order
     * @param seconds since {@link #fit} started
     */
    public record Progress(long step, int totalSteps, double trainLoss, Map<String, Double> metrics, double seconds) {
        public Progress {
            metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        }
    }

    /**
     * Runs {@code steps} updates; every {@code evalEvery} steps and after the last one it evaluates
     * and reports.
     * @param lossAtStep the loss of update {@code i} (0-based within this call)
     * @param evaluate named metrics on held-out data (run in whatever mode it sets; training mode is
     *                 restored by the next step)
     * @param onProgress receives every report
     * @return every report, in order
     */
    public List<Progress> fit(int steps, IntFunction<Tensor> lossAtStep, int evalEvery, Supplier<Map<String, Double>> evaluate,
                              Consumer<Progress> onProgress) {
        if (steps < 1 || evalEvery < 1)
            throw new IllegalArgumentException("SequenceTrainer.fit: steps and evalEvery must be >= 1, got " + steps + ", " + evalEvery);
        List<Progress> history = new ArrayList<>();
        long t0 = System.nanoTime();
        double lossSum = 0;
        int lossCount = 0;
        for (int i = 0; i < steps; i++) {
            int s = i;
            lossSum += step(() -> lossAtStep.apply(s));
            lossCount++;
            if ((i + 1) % evalEvery == 0 || i + 1 == steps) {
                Map<String, Double> metrics = evaluate == null ? Map.of() : evaluate.get();
                Progress p = new Progress(step, steps, lossSum / lossCount, metrics, (System.nanoTime() - t0) / 1e9);
                history.add(p);
                if (onProgress != null) onProgress.accept(p);
                lossSum = 0;
                lossCount = 0;
            }
        }
        return history;
    }
}
