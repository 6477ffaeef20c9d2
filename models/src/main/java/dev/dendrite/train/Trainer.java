package dev.dendrite.train;

import dev.dendrite.Autograd;
import dev.dendrite.MemoryScope;
import dev.dendrite.NN;
import dev.dendrite.Tensor;
import dev.dendrite.data.DataLoader;
import dev.dendrite.nn.Module;
import dev.dendrite.optim.GradClip;
import dev.dendrite.optim.LrSchedule;
import dev.dendrite.optim.Optimizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Trains a classifier with softmax cross-entropy: {@link #fit}, {@link #evaluate}, {@link #predict}.
 * Each step runs in its own {@link MemoryScope}, so activations and gradients' temporaries are freed
 * every step and memory stays flat. A NaN or infinite loss stops training with
 * {@link TrainingDivergedException} naming the step.
 */
public final class Trainer {
    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    private final Module model;
    private final Optimizer optimizer;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private LrSchedule schedule;
    private double clipNorm = Double.NaN;
    private long step;
    private int startEpoch = 1;
    /** The learning rate schedules scale: the optimizer's rate when the trainer was built (resuming may restore another). */
    private final double baseLr;

    /** @param optimizer may be null for a trainer used only to evaluate or predict */
    public Trainer(Module model, Optimizer optimizer) {
        this.model = model;
        this.optimizer = optimizer;
        this.baseLr = optimizer == null ? Double.NaN : optimizer.learningRate();
    }

    public Trainer addListener(TrainingListener l) {
        listeners.add(l);
        return this;
    }

    /** Learning rate per step from the optimizer's base rate. */
    public Trainer schedule(LrSchedule s) {
        schedule = s;
        return this;
    }

    /** Clips the global gradient L2 norm to {@code maxNorm} before every update. */
    public Trainer clipGradNorm(double maxNorm) {
        clipNorm = maxNorm;
        return this;
    }

    /** Continues from a checkpoint: the next epoch is {@code epoch + 1} and the step counter continues. */
    public Trainer resumeFrom(int epoch, long globalStep) {
        startEpoch = epoch + 1;
        step = globalStep;
        return this;
    }

    public long step() {
        return step;
    }

    /** Trains up to and including epoch {@code lastEpoch}; returns the metrics of the epochs run. */
    public List<EpochMetrics> fit(DataLoader train, DataLoader validation, int lastEpoch) {
        List<EpochMetrics> history = new ArrayList<>();
        if (optimizer == null) throw new IllegalStateException("fit: this trainer was built without an optimizer");
        listeners.forEach(l -> l.onTrainStart(lastEpoch, train.batches()));
        for (int epoch = startEpoch; epoch <= lastEpoch; epoch++) {
            model.train();
            train.setEpoch(epoch);
            long t0 = System.nanoTime();
            double lossSum = 0;
            long correct = 0, seen = 0;
            int batchIndex = 0;
            for (DataLoader.Batch batch : train) {
                if (schedule != null) optimizer.setLearningRate(schedule.learningRate(step, baseLr));
                double[] r = trainStep(batch, epoch, batchIndex);
                step++;
                lossSum += r[0] * batch.size();
                correct += (long) r[1];
                seen += batch.size();
                int b = batchIndex++;
                int e = epoch;
                listeners.forEach(l -> l.onBatchEnd(e, b, step, r[0], r[1] / batch.size(), batch.size()));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double[] val = validation == null ? new double[]{Double.NaN, Double.NaN} : evaluate(validation);
            EpochMetrics m = new EpochMetrics(epoch, step, lossSum / Math.max(1, seen), (double) correct / Math.max(1, seen),
                    val[0], val[1], optimizer.learningRate(), seconds, seen / Math.max(seconds, 1e-9));
            history.add(m);
            log.info("epoch {}: train loss {} acc {}, val loss {} acc {}, {} s, {} samples/s", epoch, fmt(m.trainLoss()),
                    fmt(m.trainAccuracy()), fmt(m.valLoss()), fmt(m.valAccuracy()), fmt(seconds), Math.round(m.samplesPerSecond()));
            listeners.forEach(l -> l.onEpochEnd(m));
        }
        listeners.forEach(l -> l.onTrainEnd(history));
        return history;
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.4f", v);
    }

    /** One update; returns {loss, number correct}. */
    private double[] trainStep(DataLoader.Batch batch, int epoch, int batchIndex) {
        try (MemoryScope scope = MemoryScope.open()) {
            optimizer.zeroGrad();
            Tensor logits = model.forward(batch.features());
            Tensor loss = NN.crossEntropy(logits, batch.labels());
            double lossValue = loss.item();
            if (!Double.isFinite(lossValue))
                throw new TrainingDivergedException("training loss became " + lossValue + " at epoch " + epoch + ", batch " + batchIndex
                        + " (global step " + (step + 1) + "); lower the learning rate or enable gradient clipping");
            loss.backward();
            if (!Double.isNaN(clipNorm)) GradClip.clipGradNorm(model.parameters(), clipNorm);
            optimizer.step();
            return new double[]{lossValue, correctCount(logits, batch.labels())};
        } finally {
            batch.features().close();
            batch.labels().close();
        }
    }

    private static double correctCount(Tensor logits, Tensor labels) {
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            return logits.argmax(1, false).eq(labels).sum().item();
        }
    }

    /** Mean loss and accuracy over a dataset, in eval mode with no autograd. */
    public double[] evaluate(DataLoader data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        double lossSum = 0;
        long correct = 0, seen = 0;
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            for (DataLoader.Batch batch : data) {
                try (MemoryScope scope = MemoryScope.open()) {
                    Tensor logits = model.forward(batch.features());
                    lossSum += NN.crossEntropy(logits, batch.labels()).item() * batch.size();
                    correct += (long) correctCount(logits, batch.labels());
                    seen += batch.size();
                } finally {
                    batch.features().close();
                    batch.labels().close();
                }
            }
        } finally {
            if (wasTraining) model.train();
        }
        return new double[]{lossSum / Math.max(1, seen), (double) correct / Math.max(1, seen)};
    }

    /** Class probabilities {@code [N, classes]} for inputs {@code x}. */
    public Tensor predict(Tensor x) {
        boolean wasTraining = model.isTraining();
        model.eval();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            return model.forward(x).softmax(1);
        } finally {
            if (wasTraining) model.train();
        }
    }
}
