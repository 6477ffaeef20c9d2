package dev.dendrite.train;

/**
 * What one epoch achieved. Validation values are NaN when no validation set was given.
 *
 * @param samplesPerSecond training throughput (forward, backward and update)
 */
public record EpochMetrics(int epoch, long step, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                           double learningRate, double seconds, double samplesPerSecond) {
}
