package dev.dendrite.cli;

import dev.dendrite.data.CharVocabulary;
import dev.dendrite.train.CharLmTraining;
import dev.dendrite.train.Checkpoint;
import dev.dendrite.zoo.CharLM;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dendrite generate CHECKPOINT --prompt TEXT --length N --temperature T [--seed S]}: prints the
 * prompt followed by N characters sampled from a character-level language model written by
 * {@code dendrite train charlm}. The architecture and vocabulary come from the checkpoint's metadata.
 */
@Command(name = "generate", description = "Sample text from a character-level language model (written by dendrite train charlm).")
final class GenerateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "Checkpoint (.safetensors) written by dendrite train charlm")
    Path checkpoint;

    @Option(names = "--prompt", description = "Text to continue; every character must be in the model's vocabulary "
            + "(default: none, the text starts after a line break)")
    String prompt = "";

    @Option(names = "--length", paramLabel = "N", description = "Characters to generate (default ${DEFAULT-VALUE})")
    int length = 300;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature: 1 samples the model's distribution, "
            + "lower is more conservative, 0 always takes the most likely character (default ${DEFAULT-VALUE})")
    double temperature = 0.8;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed; the same seed gives the same text (default: a random seed)")
    Long seed;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        if (length < 0) throw new CommandLine.ParameterException(cl, "--length must be >= 0, got " + length);
        if (!(temperature >= 0) || Double.isInfinite(temperature))
            throw new CommandLine.ParameterException(cl, "--temperature must be finite and >= 0, got " + temperature);
        if (!Files.isRegularFile(checkpoint)) throw new CommandLine.ParameterException(cl, "checkpoint " + checkpoint + " is not a file");
        Map<String, String> meta = Checkpoint.info(checkpoint).metadata();
        if (!CharLM.MODEL_NAME.equals(meta.get("model")))
            throw new IllegalArgumentException("generate: " + checkpoint + " holds model '" + meta.getOrDefault("model", "")
                    + "', not a character-level language model; train one with: dendrite train charlm");
        CharVocabulary vocab = CharLmTraining.vocabulary(meta);
        int[] context;
        if (!prompt.isEmpty()) {
            context = vocab.encode(prompt);
        } else if (vocab.contains('\n')) {
            context = new int[]{vocab.encode("\n")[0]};
        } else {
            throw new CommandLine.ParameterException(cl, "the model's vocabulary has no line break to start from; give a --prompt");
        }
        long s = seed != null ? seed : new java.security.SecureRandom().nextLong();
        try (CharLM model = new CharLM(CharLM.Config.fromMetadata(meta))) {
            Checkpoint.load(checkpoint, model, null);
            String text = vocab.decode(model.generate(context, length, temperature, s));
            System.out.println(prompt + text);
            if (seed == null) System.err.println("(seed " + s + "; pass --seed " + s + " to repeat)");
        }
        return 0;
    }
}
