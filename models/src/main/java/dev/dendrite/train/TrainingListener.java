package dev.dendrite.train;

/** Observes training. Every method has an empty default. */
public interface TrainingListener {
    /** Before the first batch; {@code batchesPerEpoch} for progress displays. */
    default void onTrainStart(int epochs, int batchesPerEpoch) {
    }

    /** After each optimizer step, with the batch's loss and accuracy. */
    default void onBatchEnd(int epoch, int batch, long step, double loss, double accuracy, int batchSize) {
    }

    default void onEpochEnd(EpochMetrics metrics) {
    }

    default void onTrainEnd(java.util.List<EpochMetrics> history) {
    }
}
