package dev.dendrite.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar redrawn in place on a terminal (epoch, batch, ETA, loss, accuracy,
 * images/s); when stdout is not a terminal it prints a plain line every {@code plainEvery} batches
 * instead, so logs stay readable.
 */
public final class ConsoleProgress implements TrainingListener {
    private final PrintStream out;
    private final boolean terminal;
    private final int plainEvery;
    private int epochs, batches;
    private long epochStart;
    private double lossAvg, accAvg;
    private long samples;

    public ConsoleProgress(PrintStream out, boolean terminal, int plainEvery) {
        this.out = out;
        this.terminal = terminal;
        this.plainEvery = Math.max(1, plainEvery);
    }

    /** Detects a terminal with {@link System#console()}. */
    public static ConsoleProgress forStdout() {
        return new ConsoleProgress(System.out, System.console() != null, 100);
    }

    @Override
    public void onTrainStart(int epochs, int batchesPerEpoch) {
        this.epochs = epochs;
        this.batches = batchesPerEpoch;
    }

    @Override
    public void onBatchEnd(int epoch, int batch, long step, double loss, double accuracy, int batchSize) {
        if (batch == 0) {
            epochStart = System.nanoTime();
            samples = 0;
            lossAvg = loss;
            accAvg = accuracy;
        }
        // Exponential moving averages read more steadily than per-batch values.
        lossAvg = 0.95 * lossAvg + 0.05 * loss;
        accAvg = 0.95 * accAvg + 0.05 * accuracy;
        samples += batchSize;
        double elapsed = (System.nanoTime() - epochStart) / 1e9;
        double rate = samples / Math.max(elapsed, 1e-9);
        double eta = (batches - batch - 1) * elapsed / (batch + 1);
        if (terminal) {
            int width = 24, done = (int) ((long) width * (batch + 1) / Math.max(1, batches));
            out.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d ETA %s loss %.4f acc %.3f %,.0f img/s   ", epoch, epochs,
                    "=".repeat(done), " ".repeat(width - done), batch + 1, batches, time(eta), lossAvg, accAvg, rate);
            if (batch + 1 == batches) out.println();
            out.flush();
        } else if ((batch + 1) % plainEvery == 0 || batch + 1 == batches) {
            out.printf(Locale.ROOT, "epoch %d/%d batch %d/%d ETA %s loss %.4f acc %.3f %,.0f img/s%n", epoch, epochs, batch + 1, batches,
                    time(eta), lossAvg, accAvg, rate);
        }
    }

    @Override
    public void onEpochEnd(EpochMetrics m) {
        out.printf(Locale.ROOT, "epoch %d: train loss %.4f acc %.4f | %s | %.1f s, %,.0f images/s%n", m.epoch(), m.trainLoss(),
                m.trainAccuracy(), Double.isNaN(m.valLoss()) ? "no validation" : String.format(Locale.ROOT, "test loss %.4f acc %.4f",
                        m.valLoss(), m.valAccuracy()), m.seconds(), m.samplesPerSecond());
    }

    private static String time(double s) {
        long t = Math.round(s);
        return t >= 60 ? (t / 60) + "m" + String.format(Locale.ROOT, "%02d", t % 60) + "s" : t + "s";
    }
}
