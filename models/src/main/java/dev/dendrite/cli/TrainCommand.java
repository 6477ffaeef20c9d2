package dev.dendrite.cli;

import dev.dendrite.Engine;
import dev.dendrite.data.DataLoader;
import dev.dendrite.data.Dataset;
import dev.dendrite.data.FashionMnist;
import dev.dendrite.nn.Init;
import dev.dendrite.nn.Module;
import dev.dendrite.optim.CosineAnnealingLR;
import dev.dendrite.optim.Optimizer;
import dev.dendrite.optim.Optimizers;
import dev.dendrite.optim.WarmUp;
import dev.dendrite.train.Checkpoint;
import dev.dendrite.train.ConsoleProgress;
import dev.dendrite.train.CurvePlotter;
import dev.dendrite.train.EpochMetrics;
import dev.dendrite.train.MetricsLog;
import dev.dendrite.train.Trainer;
import dev.dendrite.train.TrainingListener;
import dev.dendrite.zoo.ModelZoo;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dendrite train [MODEL]}: trains an image classifier on Fashion-MNIST and prints test accuracy.
 * The defaults are the tuned ones: inputs standardised with the training set's mean and deviation,
 * Adam at 3e-3 with a short linear warm-up and cosine decay to zero over the run, batch 64.
 * The sequence models ({@code charlm}, {@code timeseries}, {@code seq2seq}) are trained by
 * {@link SequenceModels}, with the options of {@link SequenceOptions}.
 */
@Command(name = "train", description = "Train a model (default: LeNet-5 on Fashion-MNIST for one epoch; charlm, timeseries and "
        + "seq2seq are the sequence models).")
final class TrainCommand implements Callable<Integer> {
    /** Fashion-MNIST training-set pixel mean and standard deviation (of x/255). */
    static final double MEAN = 0.2860, STD = 0.3530;

    static final class ModelNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ModelZoo.names().iterator();
        }
    }

    /** The image models of the zoo, then the sequence models. */
    static final class TrainableModels implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            List<String> all = new ArrayList<>(ModelZoo.names());
            all.addAll(SequenceModels.NAMES);
            return all.iterator();
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", defaultValue = "lenet", description = "Model: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})",
            completionCandidates = TrainableModels.class)
    String model;

    @Option(names = "--data", description = "Directory with the four Fashion-MNIST IDX files (default: the Debian package, else the embedded subset)")
    Path data;

    @Option(names = "--epochs", description = "Epochs (default ${DEFAULT-VALUE})")
    int epochs = 1;

    @Option(names = "--batch", description = "Batch size (default ${DEFAULT-VALUE}; charlm: 32 text streams)")
    int batch = 64;

    @Option(names = "--lr", description = "Peak learning rate (default ${DEFAULT-VALUE})")
    double lr = 3e-3;

    @Option(names = "--optimizer", description = "sgd, momentum, nesterov, adagrad, adadelta, rmsprop, adam, adamax, adamw (default ${DEFAULT-VALUE})")
    String optimizer = "adam";

    @Option(names = "--backend", description = "cpu, cuda or auto (default ${DEFAULT-VALUE})")
    String backend = "auto";

    @Option(names = "--seed", description = "Seed for weights, shuffling and dropout (default ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--out", description = "Output directory for checkpoint, metrics and plots (default ${DEFAULT-VALUE})")
    Path out = Path.of("runs", "latest");

    @Option(names = "--resume", description = "Continue from this checkpoint (same model, data and --epochs as the run that wrote it)")
    Path resume;

    @Option(names = "--limit", description = "Use only the first N training images (quick runs)", hidden = true)
    int limit = Integer.MAX_VALUE;

    @Option(names = "--clip", paramLabel = "NORM", description = "Clip the global gradient norm to NORM before each update "
            + "(default: off for image models, 1.0 for sequence models)")
    Double clip;

    @ArgGroup(validate = false, heading = "%nSequence models (charlm, timeseries, seq2seq):%n")
    SequenceOptions sequence = new SequenceOptions();

    @Override
    public Integer call() throws IOException {
        if (clip != null && !(clip > 0 && clip < Double.POSITIVE_INFINITY))
            throw new CommandLine.ParameterException(spec.commandLine(), "--clip must be finite and > 0, got " + clip);
        if (SequenceModels.NAMES.contains(model)) return SequenceModels.train(this);
        SequenceModels.rejectSequenceOptions(this);
        if (epochs < 1 || batch < 1 || !(lr > 0))
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--epochs and --batch must be >= 1 and --lr > 0 (got " + epochs + ", " + batch + ", " + lr + ")");
        if (!ModelZoo.names().contains(model))
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "unknown model '" + model + "'; available: " + String.join(", ", ModelZoo.names()) + ", " + String.join(", ", SequenceModels.NAMES));
        if (!List.of("auto", "cpu", "cuda").contains(backend))
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--backend must be cpu, cuda or auto, got '" + backend + "'");
        if (!backend.equals("auto")) Engine.setDefault(backend);
        FashionMnist fm = FashionMnist.load(data);
        System.out.println("Data: " + fm.source());
        Dataset train = Dataset.fromImages(fm.trainImages(), fm.trainLabels(), fm.rows(), fm.cols(), MEAN, STD).head(limit);
        Dataset test = Dataset.fromImages(fm.testImages(), fm.testLabels(), fm.rows(), fm.cols(), MEAN, STD);
        Init.seed(seed);
        Module net = ModelZoo.build(model, train.sampleShape(), FashionMnist.CLASS_NAMES.size());
        Optimizer opt = Optimizers.create(optimizer, net.parameters(), lr);
        DataLoader trainLoader = DataLoader.builder(train, batch).seed(seed).build();
        DataLoader testLoader = DataLoader.builder(test, 256).shuffle(false).build();
        long totalSteps = (long) trainLoader.batches() * epochs;
        int warmup = (int) Math.min(100, totalSteps / 10);
        Trainer trainer = new Trainer(net, opt).schedule(new WarmUp(warmup, new CosineAnnealingLR(totalSteps - warmup, 0)));
        if (clip != null) trainer.clipGradNorm(clip);
        if (resume != null) {
            Checkpoint.Info info = Checkpoint.load(resume, net, opt);
            if (!info.model().equals(model))
                throw new IllegalArgumentException("--resume: " + resume + " holds model '" + info.model() + "', not '" + model + "'");
            if (info.epoch() >= epochs)
                throw new IllegalArgumentException("--resume: " + resume + " already finished epoch " + info.epoch()
                        + "; ask for more with --epochs (total epochs, not additional ones)");
            trainer.resumeFrom(info.epoch(), info.step());
            System.out.println("Resuming after epoch " + info.epoch() + " (step " + info.step() + ") from " + resume);
        }
        System.out.printf(Locale.ROOT, "Training %s (%,d parameters) on %s: %,d images, %d epoch(s), batch %d, %s lr %.2g%n", model,
                net.parameterCount(), Engine.getDefault().device(), train.size(), epochs, batch, optimizer, lr);
        Path ckpt = out.resolve("checkpoint.safetensors");
        trainer.addListener(ConsoleProgress.forStdout())
                .addListener(new MetricsLog(out.resolve("metrics.jsonl")))
                .addListener(new CurvePlotter(out.resolve("curves.png")))
                .addListener(new TrainingListener() {
                    @Override
                    public void onEpochEnd(EpochMetrics m) {
                        Map<String, String> meta = new LinkedHashMap<>();
                        meta.put("model", model);
                        meta.put("epoch", Integer.toString(m.epoch()));
                        meta.put("step", Long.toString(m.step()));
                        meta.put("seed", Long.toString(seed));
                        meta.put("optimizer", optimizer);
                        meta.put("val_accuracy", Double.toString(m.valAccuracy()));
                        try {
                            Checkpoint.save(ckpt, net, opt, meta);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                });
        long t0 = System.nanoTime();
        List<EpochMetrics> history = new ArrayList<>(trainer.fit(trainLoader, testLoader, epochs));
        double seconds = (System.nanoTime() - t0) / 1e9;
        EpochMetrics last = history.get(history.size() - 1);
        System.out.printf(Locale.ROOT, "Test accuracy: %.2f%% (loss %.4f) after %d epoch(s), %.1f s, %,.0f training images/s%n",
                100 * last.valAccuracy(), last.valLoss(), epochs, seconds, last.samplesPerSecond());
        System.out.println("Checkpoint: " + ckpt + "  (evaluate with: dendrite eval " + ckpt + ")");
        net.close();
        return 0;
    }
}
