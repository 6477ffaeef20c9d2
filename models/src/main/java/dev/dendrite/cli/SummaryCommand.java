package dev.dendrite.cli;

import dev.dendrite.Shape;
import dev.dendrite.nn.Module;
import dev.dendrite.zoo.ModelZoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code dendrite summary MODEL}: the layer table of a zoo model. */
@Command(name = "summary", description = "Print a model's layers, output shapes and parameter counts.")
final class SummaryCommand implements Callable<Integer> {
    @Parameters(index = "0", defaultValue = "lenet", description = "Model name (${COMPLETION-CANDIDATES}); default: ${DEFAULT-VALUE}",
            completionCandidates = TrainCommand.ModelNames.class)
    String model;

    @Option(names = "--input", split = ",", description = "Input shape C,H,W (default 1,28,28)")
    int[] input = {1, 28, 28};

    @Option(names = "--classes", description = "Number of classes (default ${DEFAULT-VALUE})")
    int classes = 10;

    @Override
    public Integer call() {
        try (Module m = ModelZoo.build(model, input, classes)) {
            System.out.println(model + " for input " + java.util.Arrays.toString(input) + ", " + classes + " classes");
            System.out.print(m.summary(Shape.of(1, input[0], input[1], input[2])));
        }
        return 0;
    }
}
