package dev.dendrite.cli;

import dev.dendrite.data.DataLoader;
import dev.dendrite.data.Dataset;
import dev.dendrite.data.FashionMnist;
import dev.dendrite.nn.Module;
import dev.dendrite.train.Checkpoint;
import dev.dendrite.train.Trainer;
import dev.dendrite.zoo.ModelZoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code dendrite eval CHECKPOINT}: test accuracy of a saved model. */
@Command(name = "eval", description = "Evaluate a checkpoint on the Fashion-MNIST test set.")
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Checkpoint file (.safetensors) written by dendrite train")
    Path checkpoint;

    @Option(names = "--data", description = "Directory with the Fashion-MNIST IDX files")
    Path data;

    @Override
    public Integer call() throws IOException {
        Checkpoint.Info info = Checkpoint.info(checkpoint);
        if (info.model().isEmpty())
            throw new IllegalArgumentException("eval: " + checkpoint + " has no 'model' metadata; was it written by dendrite train?");
        FashionMnist fm = FashionMnist.load(data);
        Dataset test = Dataset.fromImages(fm.testImages(), fm.testLabels(), fm.rows(), fm.cols(), TrainCommand.MEAN, TrainCommand.STD);
        try (Module net = ModelZoo.build(info.model(), test.sampleShape(), FashionMnist.CLASS_NAMES.size())) {
            Checkpoint.load(checkpoint, net, null);
            double[] r = new Trainer(net, null).evaluate(DataLoader.builder(test, 256).shuffle(false).build());
            System.out.println("Data: " + fm.source());
            System.out.printf(Locale.ROOT, "%s (epoch %d, step %d): test accuracy %.2f%%, loss %.4f on %,d images%n", info.model(),
                    info.epoch(), info.step(), 100 * r[1], r[0], test.size());
        }
        return 0;
    }
}
