package dev.dendrite.parity;

import dev.dendrite.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dendrite parity}: prints the summary and the report paths; exit status says whether anything failed or was skipped on request. */
class ParityCommandTest {

    private static String run(int expectedStatus, String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int status;
        try (PrintStream p = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(p);
            status = Main.run(args);
        } finally {
            System.setOut(out);
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        assertEquals(expectedStatus, status, text);
        return text;
    }

    @Test
    void runsTheFilteredSuiteAndWritesTheReport(@TempDir Path dir) throws Exception {
        String text = run(0, "parity", "--filter", "softmax/last axis", "--runners", "gradcheck,precision,backend", "--out", dir.toString());
        assertTrue(text.contains("precision parity             2       0        0"), text); // softmax and logSoftmax
        assertTrue(text.contains("Report: " + dir.resolve("report.json")), text);
        assertTrue(Files.readString(dir.resolve("report.md")).contains("| softmax | last axis of [4,9] | float32 | cpu |"));
    }

    @Test
    void aRequestedBackendThatCannotRunExitsWithThreeAndSaysWhy(@TempDir Path dir) {
        String text = run(3, "parity", "--backend", "nonexistent", "--filter", "matmul/odd", "--runners", "backend", "--out", dir.toString());
        assertTrue(text.contains("nonexistent: SKIPPED — no backend named 'nonexistent' is installed"), text);
        assertTrue(text.contains("Nothing was compared against the requested backend: nonexistent: no backend named"), text);
        assertTrue(!text.contains("training trajectories"), "only the runners asked for are listed: " + text);
    }

    @Test
    void anUnknownRunnerIsAUsageError(@TempDir Path dir) {
        assertEquals(2, Main.run("parity", "--runners", "speed", "--out", dir.toString()));
    }
}
