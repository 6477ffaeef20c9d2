package dev.dendrite.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dendrite.Engine;
import dev.dendrite.data.DigitStrings;
import dev.dendrite.data.TextCorpus;
import dev.dendrite.nn.Module;
import dev.dendrite.train.CharLmTraining;
import dev.dendrite.train.Checkpoint;
import dev.dendrite.train.Seq2SeqTraining;
import dev.dendrite.train.SequenceTrainer;
import dev.dendrite.train.TimeSeriesTraining;
import dev.dendrite.zoo.RnnCells;
import dev.dendrite.zoo.Seq2Seq;
import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code dendrite train charlm|timeseries|seq2seq}: what {@link TrainCommand} runs for the sequence
 * models. Each writes {@code checkpoint.safetensors} (model weights, architecture in the metadata;
 * for charlm also the vocabulary, which {@code dendrite generate} needs) and {@code metrics.jsonl}
 * (one line per evaluation) into {@code --out}.
 */
final class SequenceModels {
    /** The model names {@code dendrite train} hands to this class. */
    static final List<String> NAMES = List.of("charlm", "timeseries", "seq2seq");

    /** Which sequence options each model reads; any other is a usage error. */
    private static final Map<String, Set<String>> READS = Map.of(
            "charlm", Set.of("--text", "--cell", "--hidden", "--embed", "--layers", "--seq-len", "--bptt", "--steps", "--eval-every"),
            "timeseries", Set.of("--cell", "--hidden", "--layers", "--seq-len", "--steps", "--eval-every", "--noise"),
            "seq2seq", Set.of("--cell", "--hidden", "--embed", "--seq-len", "--steps", "--eval-every", "--attention", "--task"));

    /** Options of the image models that a sequence model has no use for. */
    private static final List<String> IMAGE_ONLY = List.of("--data", "--epochs", "--resume", "--limit");

    private static final ObjectMapper JSON = new ObjectMapper();

    private SequenceModels() {
    }

    /** Usage error when an image model is given an option only sequence models read. */
    static void rejectSequenceOptions(TrainCommand cmd) {
        CommandLine.ParseResult pr = cmd.spec.commandLine().getParseResult();
        for (String name : SequenceOptions.NAMES)
            if (pr.hasMatchedOption(name))
                throw new CommandLine.ParameterException(cmd.spec.commandLine(), name + " applies to the sequence models ("
                        + String.join(", ", NAMES) + "), not to '" + cmd.model + "'");
    }

    static int train(TrainCommand cmd) throws IOException {
        CommandLine cl = cmd.spec.commandLine();
        CommandLine.ParseResult pr = cl.getParseResult();
        for (String name : IMAGE_ONLY)
            if (pr.hasMatchedOption(name))
                throw new CommandLine.ParameterException(cl, name + " applies to the image models, not to '" + cmd.model + "'");
        for (String name : SequenceOptions.NAMES)
            if (pr.hasMatchedOption(name) && !READS.get(cmd.model).contains(name))
                throw new CommandLine.ParameterException(cl, name + " does not apply to '" + cmd.model + "' (it reads "
                        + String.join(", ", READS.get(cmd.model).stream().sorted().toList()) + ")");
        if (!List.of("auto", "cpu", "cuda").contains(cmd.backend))
            throw new CommandLine.ParameterException(cl, "--backend must be cpu, cuda or auto, got '" + cmd.backend + "'");
        SequenceOptions s = cmd.sequence;
        Integer batch = pr.hasMatchedOption("--batch") ? cmd.batch : null;
        // Values out of range are IllegalArgumentExceptions from the recipes, which Main reports as usage errors (exit 2).
        if (!cmd.backend.equals("auto")) Engine.setDefault(cmd.backend);
        Files.createDirectories(cmd.out);
        Path metrics = cmd.out.resolve("metrics.jsonl");
        return switch (cmd.model) {
            case "charlm" -> charlm(cmd, s, batch, metrics);
            case "timeseries" -> timeseries(cmd, s, batch, metrics);
            case "seq2seq" -> seq2seq(cmd, s, batch, metrics);
            default -> throw new IllegalStateException("SequenceModels: no recipe for '" + cmd.model + "'");
        };
    }

    private static int charlm(TrainCommand cmd, SequenceOptions s, Integer batch, Path metrics) throws IOException {
        CharLmTraining.Options o = new CharLmTraining.Options().lr(cmd.lr).optimizer(cmd.optimizer).seed(cmd.seed);
        if (s.cell != null) o.cell(RnnCells.parse(s.cell));
        if (s.hidden != null) o.hidden(s.hidden);
        if (s.embed != null) o.embed(s.embed);
        if (s.layers != null) o.layers(s.layers);
        if (s.seqLen != null) o.seqLen(s.seqLen);
        if (s.bptt != null) o.bptt(s.bptt);
        if (s.steps != null) o.steps(s.steps);
        if (s.evalEvery != null) o.evalEvery(s.evalEvery);
        if (batch != null) o.batch(batch);
        if (cmd.clip != null) o.clip(cmd.clip);
        TextCorpus corpus = TextCorpus.load(s.text == null ? List.of(TextCorpus.DEBIAN_LICENCES) : s.text);
        System.out.println("Backend: " + Engine.getDefault().device());
        CharLmTraining.Result r = CharLmTraining.train(corpus, o, System.out);
        try (Module m = r.model()) {
            writeMetrics(metrics, r.history());
            Path ckpt = cmd.out.resolve("checkpoint.safetensors");
            Checkpoint.save(ckpt, m, null, withSeed(r.metadata(), cmd.seed));
            System.out.printf(Locale.ROOT, "Unigram entropy of the text: %.4f bits/char (%.4f nats/char)%n", r.unigramEntropyBits(),
                    r.unigramEntropyNats());
            System.out.printf(Locale.ROOT, "Validation loss:             %.4f bits/char (%.4f nats/char), %.0f%% of the unigram entropy, "
                            + "after %d steps in %.1f s%n", r.validationLossBits(), r.validationLossNats(),
                    100 * r.validationLossNats() / r.unigramEntropyNats(), r.history().get(r.history().size() - 1).step(), r.seconds());
            String prompt = "The ";
            if (prompt.codePoints().allMatch(r.vocabulary()::contains)) {
                int[] sample = r.model().generate(r.vocabulary().encode(prompt), 160, 0.8, cmd.seed);
                System.out.println("Sample (temperature 0.8): " + (prompt + r.vocabulary().decode(sample)).replace("\n", "⏎"));
            }
            System.out.println("Checkpoint: " + ckpt + "  (sample with: dendrite generate " + ckpt + " --prompt \"The \" --length 300)");
        }
        return 0;
    }

    private static int timeseries(TrainCommand cmd, SequenceOptions s, Integer batch, Path metrics) throws IOException {
        TimeSeriesTraining.Options o = new TimeSeriesTraining.Options().lr(cmd.lr).optimizer(cmd.optimizer).seed(cmd.seed);
        if (s.cell != null) o.cell(RnnCells.parse(s.cell));
        if (s.hidden != null) o.hidden(s.hidden);
        if (s.layers != null) o.layers(s.layers);
        if (s.seqLen != null) o.window(s.seqLen);
        if (s.steps != null) o.steps(s.steps);
        if (s.evalEvery != null) o.evalEvery(s.evalEvery);
        if (s.noise != null) o.noise(s.noise);
        if (batch != null) o.batch(batch);
        if (cmd.clip != null) o.clip(cmd.clip);
        System.out.println("Backend: " + Engine.getDefault().device());
        TimeSeriesTraining.Result r = TimeSeriesTraining.train(o, System.out);
        try (Module m = r.model()) {
            writeMetrics(metrics, r.history());
            Path ckpt = cmd.out.resolve("checkpoint.safetensors");
            Checkpoint.save(ckpt, m, null, withSeed(r.metadata(o), cmd.seed));
            System.out.printf(Locale.ROOT, "Test MSE: %.5f (predicting the last value: %.5f, %.1f× higher; noise floor σ² = %.5f), %.1f s%n",
                    r.testMse(), r.lastValueMse(), r.lastValueMse() / r.testMse(), r.noiseVariance(), r.seconds());
            System.out.println("Checkpoint: " + ckpt);
        }
        return 0;
    }

    private static int seq2seq(TrainCommand cmd, SequenceOptions s, Integer batch, Path metrics) throws IOException {
        Seq2SeqTraining.Options o = new Seq2SeqTraining.Options().lr(cmd.lr).optimizer(cmd.optimizer).seed(cmd.seed);
        if (s.cell != null) o.cell(RnnCells.parse(s.cell));
        if (s.hidden != null) o.hidden(s.hidden);
        if (s.embed != null) o.embed(s.embed);
        if (s.seqLen != null) o.lengths(1, s.seqLen);
        if (s.steps != null) o.steps(s.steps);
        if (s.evalEvery != null) o.evalEvery(s.evalEvery);
        if (s.attention != null) o.attention(Seq2Seq.Attention.parse(s.attention));
        if (s.task != null) o.task(DigitStrings.Task.parse(s.task));
        if (batch != null) o.batch(batch);
        if (cmd.clip != null) o.clip(cmd.clip);
        System.out.println("Backend: " + Engine.getDefault().device());
        Seq2SeqTraining.Result r = Seq2SeqTraining.train(o, System.out);
        try (Module m = r.model()) {
            writeMetrics(metrics, r.history());
            Path ckpt = cmd.out.resolve("checkpoint.safetensors");
            Checkpoint.save(ckpt, m, null, withSeed(r.metadata(o), cmd.seed));
            r.examples().forEach(e -> System.out.println("  " + e));
            System.out.printf(Locale.ROOT, "Exact match: %.2f%% of the test strings (token accuracy %.2f%%), %.1f s%n", 100 * r.exactMatch(),
                    100 * r.tokenAccuracy(), r.seconds());
            System.out.println("Checkpoint: " + ckpt);
        }
        return 0;
    }

    private static Map<String, String> withSeed(Map<String, String> meta, long seed) {
        Map<String, String> m = new LinkedHashMap<>(meta);
        m.put("seed", Long.toString(seed));
        return m;
    }

    /** One JSON object per report: step, train_loss, the evaluation's metrics, seconds. */
    private static void writeMetrics(Path file, List<SequenceTrainer.Progress> history) {
        List<String> lines = new ArrayList<>();
        try {
            for (SequenceTrainer.Progress p : history) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("step", p.step());
                row.put("train_loss", p.trainLoss());
                row.putAll(p.metrics());
                row.put("seconds", p.seconds());
                lines.add(JSON.writeValueAsString(row));
            }
            Files.write(file, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("metrics log: cannot write " + file, e);
        }
    }
}
