package dev.dendrite.train;

import dev.dendrite.Autograd;
import dev.dendrite.MemoryScope;
import dev.dendrite.NN;
import dev.dendrite.Tensor;
import dev.dendrite.data.SineWaves;
import dev.dendrite.nn.Init;
import dev.dendrite.ops.Reduction;
import dev.dendrite.ops.RnnMode;
import dev.dendrite.optim.CosineAnnealingLR;
import dev.dendrite.optim.Optimizer;
import dev.dendrite.optim.Optimizers;
import dev.dendrite.optim.WarmUp;
import dev.dendrite.zoo.WindowRegressor;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains a {@link WindowRegressor} to predict the next value of noisy sine waves
 * ({@link SineWaves}) from the previous {@code window} values, and compares its test MSE with the
 * naive forecast "the next value equals the last one". Training and test series come from
 * different seeds, so the test waves (amplitudes, periods, phases, noise) were never seen.
 */
public final class TimeSeriesTraining {
    private TimeSeriesTraining() {
    }

    /** Hyper-parameters and data sizes. */
    public static final class Options {
        int window = 24, hidden = 32, layers = 1, batch = 64, steps = 1500, evalEvery = 250;
        int trainSeries = 256, testSeries = 64, seriesLength = 120;
        double minPeriod = 8, maxPeriod = 24, noise = 0.1;
        RnnMode cell = RnnMode.LSTM;
        double lr = 3e-3, clip = 1.0;
        String optimizer = "adam";
        long seed = 42;

        /** Values the model reads (W). */
        public Options window(int v) { window = v; return this; }
        public Options hidden(int v) { hidden = v; return this; }
        public Options layers(int v) { layers = v; return this; }
        public Options cell(RnnMode v) { cell = v; return this; }
        public Options batch(int v) { batch = v; return this; }
        public Options steps(int v) { steps = v; return this; }
        public Options evalEvery(int v) { evalEvery = v; return this; }
        public Options trainSeries(int v) { trainSeries = v; return this; }
        public Options testSeries(int v) { testSeries = v; return this; }
        public Options seriesLength(int v) { seriesLength = v; return this; }
        /** Periods of the waves, in steps. */
        public Options periods(double min, double max) { minPeriod = min; maxPeriod = max; return this; }
        /** σ of the additive Gaussian noise. */
        public Options noise(double v) { noise = v; return this; }
        public Options lr(double v) { lr = v; return this; }
        public Options clip(double v) { clip = v; return this; }
        public Options optimizer(String v) { optimizer = v; return this; }
        public Options seed(long v) { seed = v; return this; }

        void validate() {
            if (window < 1 || hidden < 1 || layers < 1 || batch < 1 || steps < 1 || evalEvery < 1)
                throw new IllegalArgumentException(String.format(Locale.ROOT, "timeseries: --seq-len %d, --hidden %d, --layers %d, --batch %d, "
                        + "--steps %d must be >= 1", window, hidden, layers, batch, steps));
            if (seriesLength <= window)
                throw new IllegalArgumentException("timeseries: series of " + seriesLength + " values leave no window of --seq-len " + window);
            if (!(lr > 0)) throw new IllegalArgumentException("timeseries: --lr must be > 0, got " + lr);
        }
    }

    /**
     * @param testMse the model's mean squared error on the test windows
     * @param lastValueMse the naive forecast's MSE on the same windows
     * @param noiseVariance σ², the lowest MSE any model can expect
     */
    public record Result(WindowRegressor model, double testMse, double lastValueMse, double noiseVariance,
                         List<SequenceTrainer.Progress> history, double seconds) {
        public Map<String, String> metadata(Options o) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("model", "timeseries");
            m.put("cell", dev.dendrite.zoo.RnnCells.name(o.cell));
            m.put("window", Integer.toString(o.window));
            m.put("hidden", Integer.toString(o.hidden));
            m.put("layers", Integer.toString(o.layers));
            m.put("test_mse", Double.toString(testMse));
            m.put("last_value_mse", Double.toString(lastValueMse));
            return m;
        }
    }

    /** @param out progress lines, or null for silence */
    public static Result train(Options o, PrintStream out) {
        o.validate();
        SineWaves.Windows train = SineWaves.windows(SineWaves.generate(o.trainSeries, o.seriesLength, o.minPeriod, o.maxPeriod, o.noise, o.seed), o.window);
        SineWaves.Windows test = SineWaves.windows(SineWaves.generate(o.testSeries, o.seriesLength, o.minPeriod, o.maxPeriod, o.noise,
                o.seed + 0x9E3779B97F4A7C15L), o.window);
        double baseline = test.lastValueMse();
        Init.seed(o.seed);
        WindowRegressor model = new WindowRegressor(o.cell, 1, o.hidden, o.layers);
        Optimizer opt = Optimizers.create(o.optimizer, model.parameters(), o.lr);
        int warmup = Math.min(100, o.steps / 10);
        SequenceTrainer trainer = new SequenceTrainer(model, opt).clipGradNorm(o.clip)
                .schedule(new WarmUp(warmup, new CosineAnnealingLR(Math.max(1, o.steps - warmup), 0)));
        if (out != null) {
            out.printf(Locale.ROOT, "Data: noisy sine waves (periods %.0f-%.0f steps, noise σ = %.3g): %,d training windows from %d series, "
                            + "%,d test windows from %d other series; window %d%n", o.minPeriod, o.maxPeriod, o.noise, train.size(), o.trainSeries,
                    test.size(), o.testSeries, o.window);
            out.printf(Locale.ROOT, "Training %s (%,d parameters), %d steps of batch %d, %s lr %.2g%n", model.describe(), model.parameterCount(),
                    o.steps, o.batch, o.optimizer, o.lr);
            out.printf(Locale.ROOT, "Test MSE of predicting the last value: %.5f; noise floor σ² = %.5f%n", baseline, o.noise * o.noise);
        }
        SplittableRandom random = new SplittableRandom(o.seed ^ 0x5DEECE66DL);
        long t0 = System.nanoTime();
        List<SequenceTrainer.Progress> history = trainer.fit(o.steps, i -> {
            int[] idx = new int[o.batch];
            for (int k = 0; k < idx.length; k++) idx[k] = random.nextInt(train.size());
            Tensor x = Tensor.fromArray(train.inputs(idx), o.batch, o.window, 1);
            Tensor y = Tensor.fromArray(train.targets(idx), o.batch, 1);
            return NN.mseLoss(model.forward(x), y, Reduction.MEAN);
        }, o.evalEvery, () -> Map.of("test_mse", mse(model, test)), p -> {
            if (out != null)
                out.printf(Locale.ROOT, "step %5d/%d  train MSE %.5f  test MSE %.5f  (last value %.5f)  %.1f s%n", p.step(), p.totalSteps(),
                        p.trainLoss(), p.metrics().get("test_mse"), baseline, p.seconds());
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(model, history.get(history.size() - 1).metrics().get("test_mse"), baseline, o.noise * o.noise, history, seconds);
    }

    /** Mean squared error of the model over every window, in evaluation mode. */
    public static double mse(WindowRegressor model, SineWaves.Windows data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        double sum = 0;
        int chunk = 1024;
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            for (int start = 0; start < data.size(); start += chunk) {
                int n = Math.min(chunk, data.size() - start);
                int[] idx = new int[n];
                for (int k = 0; k < n; k++) idx[k] = start + k;
                try (MemoryScope scope = MemoryScope.open()) {
                    Tensor pred = model.forward(Tensor.fromArray(data.inputs(idx), n, data.window(), 1));
                    sum += NN.mseLoss(pred, Tensor.fromArray(data.targets(idx), n, 1), Reduction.SUM).item();
                }
            }
        } finally {
            if (wasTraining) model.train();
        }
        return sum / data.size();
    }
}
