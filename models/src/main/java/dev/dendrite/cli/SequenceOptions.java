package dev.dendrite.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/**
 * The options of {@code dendrite train} that only the sequence models (charlm, timeseries, seq2seq)
 * read. Null means "the model's default" (listed in each description), since the models differ.
 */
final class SequenceOptions {
    @Option(names = "--text", paramLabel = "FILE", description = "charlm: text file or directory of text files; repeatable "
            + "(default: the licence texts in /usr/share/common-licenses)")
    List<Path> text;

    @Option(names = "--cell", paramLabel = "CELL", description = "Recurrent cell: lstm, gru or rnn (default lstm)")
    String cell;

    @Option(names = "--hidden", paramLabel = "H", description = "Hidden units (default: charlm 128, timeseries 32, seq2seq 64)")
    Integer hidden;

    @Option(names = "--embed", paramLabel = "E", description = "Embedding size (default: charlm 32, seq2seq 16)")
    Integer embed;

    @Option(names = "--layers", paramLabel = "L", description = "Stacked recurrent layers, charlm and timeseries (default 1)")
    Integer layers;

    @Option(names = "--seq-len", paramLabel = "T", description = "charlm: characters per training window (default 64); timeseries: "
            + "values the model reads (default 24); seq2seq: longest digit string (default 8)")
    Integer seqLen;

    @Option(names = "--bptt", paramLabel = "K", description = "charlm: detach the carried state every K steps (default: --seq-len, "
            + "i.e. at each window's end)")
    Integer bptt;

    @Option(names = "--steps", paramLabel = "S", description = "Optimizer updates (default: charlm 1200, timeseries 1500, seq2seq 1500)")
    Integer steps;

    @Option(names = "--eval-every", paramLabel = "S", description = "Evaluate on held-out data every S steps (default: charlm 200, others 250)")
    Integer evalEvery;

    @Option(names = "--attention", paramLabel = "KIND", description = "seq2seq: dot or additive (default dot)")
    String attention;

    @Option(names = "--task", paramLabel = "TASK", description = "seq2seq: reverse or sort (default reverse)")
    String task;

    @Option(names = "--noise", paramLabel = "SIGMA", description = "timeseries: standard deviation of the noise on the sine waves (default 0.1)")
    Double noise;

    /** The long names, to tell a user which of them an image model would ignore. */
    static final List<String> NAMES = List.of("--text", "--cell", "--hidden", "--embed", "--layers", "--seq-len", "--bptt", "--steps",
            "--eval-every", "--attention", "--task", "--noise");
}
