package dev.dendrite.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dendrite.bench.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dendrite bench}: a quick run without Python, its JSON, the table's ratios, and usage errors. */
class BenchCommandTest extends ConsoleCapture {
    @Test
    void quickRunWritesTheTableAndJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out/bench.json");
        int code = Main.run("bench", "--only", "sgemm-256,maxpool2x2", "--quick", "--no-python", "--json", json.toString());
        String stdout = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(stdout.contains("PyTorch/numpy comparison skipped: --no-python"), stdout);
        assertTrue(stdout.lines().anyMatch(l -> l.startsWith("sgemm-256") && l.contains("GFLOP/s")), stdout);
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals("--no-python", root.path("referenceSkipped").asText());
        JsonNode w = root.path("workloads");
        assertEquals(2, w.size());
        assertEquals("sgemm-256", w.get(0).path("name").asText());
        assertTrue(w.get(0).path("dendriteSeconds").asDouble() > 0);
        assertTrue(w.get(0).path("referenceSeconds").isNull());
        // 2·256³ flops over the measured time.
        assertEquals(2.0 * 256 * 256 * 256 / w.get(0).path("dendriteSeconds").asDouble() / 1e9, w.get(0).path("dendriteRate").asDouble(), 1e-6);
        assertEquals("maxpool2x2", w.get(1).path("name").asText());
    }

    /** A workload that does nothing, for the table. */
    private record Fake(String name, double workPerRun) implements Workload {
        @Override
        public String description() {
            return "fake";
        }

        @Override
        public String unit() {
            return "images/s";
        }

        @Override
        public double unitScale() {
            return 1;
        }

        @Override
        public void run() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void theRatioIsReferenceTimeOverDendriteTimeAndIsCheckedAgainstTheTarget() {
        String table = BenchCommand.table(List.of(
                new BenchCommand.Row(new Fake("lenet5-step", 64), 0.002, 0.003),     // 1.5 ≥ 1.2
                new BenchCommand.Row(new Fake("depthwise3x3", 0), 0.010, 0.005),   // 0.5 < 1.0
                new BenchCommand.Row(new Fake("gru", 0), 0.010, null)));            // no reference
        String[] lines = table.split("\n");
        assertTrue(lines[1].matches("lenet5-step .* 2\\.000 ms +3\\.000 ms +1\\.50 +✓ 1\\.2 +32000\\.0 images/s"), lines[1]);
        assertTrue(lines[2].matches("depthwise3x3 .* 10\\.000 ms +5\\.000 ms +0\\.50 +✗ 1\\.0 *"), lines[2]);
        assertTrue(lines[3].matches("gru .* 10\\.000 ms +- +- *"), lines[3]);
    }

    @Test
    void anUnknownWorkloadIsAUsageError() {
        assertEquals(2, Main.run("bench", "--only", "sgemm-300", "--quick", "--no-python"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no workload 'sgemm-300'"), err.toString(StandardCharsets.UTF_8));
        assertEquals(2, Main.run("bench", "--python-threads", "0", "--no-python"));
        assertEquals(2, Main.run("bench", "--forks", "0", "--no-python"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--forks must be >= 1, got 0"), err.toString(StandardCharsets.UTF_8));
    }

    /** The child JVM's side of Note [One JVM per workload]: one workload, one result line a parent can parse. */
    @Test
    void aChildRunPrintsItsTimeOnOneLine() {
        assertEquals(0, Main.run("bench", "--child", "maxpool2x2", "--quick"));
        String line = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith(BenchCommand.CHILD_RESULT))
                .findFirst().orElseThrow(() -> new AssertionError("no result line in: " + out.toString(StandardCharsets.UTF_8)));
        double seconds = Double.parseDouble(line.substring(BenchCommand.CHILD_RESULT.length()));
        assertTrue(seconds > 0 && seconds < 10, line);
    }
}
