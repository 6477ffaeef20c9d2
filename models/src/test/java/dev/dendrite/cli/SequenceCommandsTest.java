package dev.dendrite.cli;

import dev.dendrite.train.TinyGrammar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dendrite train charlm|timeseries|seq2seq} and {@code dendrite generate} through
 * {@link Main#run}: a tiny end-to-end run, and exit code 2 with a message for every kind of bad argument.
 */
class SequenceCommandsTest extends ConsoleCapture {
    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.run(args);
    }

    @Test
    void trainCharLmThenGenerateTheRequestedCharactersDeterministically(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, TinyGrammar.text(4000, 3));
        Path runDir = dir.resolve("run");
        assertEquals(0, run("train", "charlm", "--text", text.toString(), "--steps", "20", "--eval-every", "10", "--hidden", "16",
                "--embed", "8", "--seq-len", "16", "--batch", "8", "--cell", "gru", "--out", runDir.toString()), stderr());
        String log = stdout();
        assertTrue(log.contains("Unigram entropy of the text:") && log.contains("bits/char") && log.contains("Validation loss:"), log);
        Path ckpt = runDir.resolve("checkpoint.safetensors");
        assertTrue(Files.isRegularFile(ckpt));
        assertEquals(2, Files.readAllLines(runDir.resolve("metrics.jsonl")).size(), "reports at steps 10 and 20");

        assertEquals(0, run("generate", ckpt.toString(), "--prompt", "The ", "--length", "120", "--temperature", "0.9", "--seed", "5"), stderr());
        String first = stdout();
        assertEquals(0, run("generate", ckpt.toString(), "--prompt", "The ", "--length", "120", "--temperature", "0.9", "--seed", "5"));
        assertEquals(first, stdout(), "same seed, same text");
        String line = first.substring(0, first.length() - System.lineSeparator().length());
        assertTrue(line.startsWith("The "), line);
        assertEquals(4 + 120, line.codePointCount(0, line.length()), "prompt plus 120 characters: " + line);
        assertEquals(0, run("generate", ckpt.toString(), "--length", "30", "--seed", "6"), stderr());
        assertEquals(30 + System.lineSeparator().length(), stdout().length(), "no prompt: only the 30 new characters");
    }

    @Test
    void badArgumentsAreUsageErrors(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, TinyGrammar.text(3000, 4));
        String out = dir.resolve("run").toString();
        // Unknown values of the sequence options.
        assertEquals(2, run("train", "charlm", "--text", text.toString(), "--cell", "transformer", "--out", out));
        assertTrue(stderr().contains("unknown cell 'transformer'"), stderr());
        assertEquals(2, run("train", "seq2seq", "--task", "shuffle", "--out", out));
        assertTrue(stderr().contains("unknown task 'shuffle'"), stderr());
        assertEquals(2, run("train", "seq2seq", "--attention", "multiplicative", "--out", out));
        assertEquals(2, run("train", "charlm", "--text", text.toString(), "--steps", "0", "--out", out));
        assertTrue(stderr().contains("--steps 0"), stderr());
        assertEquals(2, run("train", "timeseries", "--clip", "-1", "--out", out));
        assertEquals(2, run("train", "charlm", "--text", dir.resolve("missing.txt").toString(), "--out", out));
        // Options that belong to another model.
        assertEquals(2, run("train", "charlm", "--attention", "dot", "--out", out));
        assertTrue(stderr().contains("--attention does not apply to 'charlm'"), stderr());
        assertEquals(2, run("train", "timeseries", "--epochs", "3", "--out", out));
        assertTrue(stderr().contains("--epochs applies to the image models"), stderr());
        assertEquals(2, run("train", "lenet", "--text", text.toString(), "--out", out));
        assertTrue(stderr().contains("--text applies to the sequence models"), stderr());
        assertEquals(2, run("train", "charlm", "--hidden", "many"));
        assertEquals(2, run("train", "gpt"));
        assertTrue(stderr().contains("charlm, timeseries, seq2seq"), stderr());

        // generate: a missing file, values out of range, a character the model never saw, a checkpoint of another model.
        assertEquals(2, run("generate", dir.resolve("none.safetensors").toString()));
        assertTrue(stderr().contains("is not a file"), stderr());
        assertEquals(0, run("train", "charlm", "--text", text.toString(), "--steps", "2", "--eval-every", "2", "--hidden", "8", "--embed", "4",
                "--seq-len", "8", "--batch", "4", "--out", out), stderr());
        String ckpt = dir.resolve("run").resolve("checkpoint.safetensors").toString();
        assertEquals(2, run("generate", ckpt, "--length", "-1"));
        assertEquals(2, run("generate", ckpt, "--temperature", "-0.5"));
        assertEquals(2, run("generate", ckpt, "--prompt", "The €"));
        assertTrue(stderr().contains("'€' at position 4"), stderr());
        assertEquals(2, run("generate"));
        assertEquals(0, run("train", "timeseries", "--steps", "2", "--eval-every", "2", "--hidden", "4", "--seq-len", "6", "--out", out),
                stderr());
        assertEquals(2, run("generate", ckpt));
        assertTrue(stderr().contains("holds model 'timeseries'"), stderr());
    }

    @Test
    void seq2seqRunsFromTheCommandLine(@TempDir Path dir) {
        assertEquals(0, run("train", "seq2seq", "--steps", "3", "--eval-every", "3", "--hidden", "8", "--embed", "4", "--seq-len", "4",
                "--attention", "additive", "--task", "sort", "--out", dir.toString()), stderr());
        assertTrue(stdout().contains("Exact match:"), stdout());
        assertTrue(stdout().contains("additive attention"), stdout());
    }
}
