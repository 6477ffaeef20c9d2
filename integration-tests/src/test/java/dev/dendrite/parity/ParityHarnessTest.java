package dev.dendrite.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dendrite.parity.ParityReport.Row;
import dev.dendrite.parity.ParityReport.Runner;
import dev.dendrite.parity.ParityReport.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runners that compare against another backend cannot meet a GPU here, so their code is
 * exercised against test doubles ({@link TestBackends}): the CPU behind a decorator (must match
 * exactly, everywhere), the CPU with a planted bug (must fail, with a message naming the op, the
 * case, the worst element, both values and the tolerance), and a backend that is not installed
 * (must be SKIPPED with the reason, never passed).
 */
class ParityHarnessTest {

    @Test
    @SuppressWarnings("try") // the block installs the test backends
    void anIdenticalSecondBackendMatchesTheReferenceBitForBitInEveryComparingRunner() {
        try (TestBackends ignored = TestBackends.install()) {
            ParitySuite s = new ParitySuite(ParitySuite.Options.defaults().withBackends(List.of("record"))
                    .withRunners(EnumSet.of(Runner.BACKEND, Runner.ERRORS, Runner.RANDOM, Runner.TRAINING)).withTrainingSteps(2));
            assertEquals(List.of(new ParitySuite.Leg("record", true, "")), s.legs());
            s.runAll();
            List<Row> rows = s.report().rows();
            List<Row> bad = rows.stream().filter(r -> r.status() != Status.PASS).collect(Collectors.toList());
            assertTrue(bad.isEmpty(), "expected every leg to pass against the CPU itself, got: "
                    + bad.stream().map(r -> r.status() + " " + r.id() + " " + r.message()).collect(Collectors.joining("\n")));

            List<Row> backend = s.report().rows(Runner.BACKEND);
            long expectedLegs = OpCatalog.all().stream().mapToLong(c -> c.dtypes().size()).sum();
            assertEquals(expectedLegs, backend.size(), "one backend-parity leg per case and dtype");
            // The same Java code on the same inputs: any difference would be nondeterminism in the CPU backend or the harness.
            List<Row> differing = backend.stream().filter(r -> r.maxAbs() == null || r.maxAbs() != 0).collect(Collectors.toList());
            assertTrue(differing.isEmpty(), "not bit-identical: " + differing.stream().map(r -> r.id() + " " + r.dtype() + " " + r.worst())
                    .collect(Collectors.joining("\n")));
            assertTrue(s.report().rows(Runner.TRAINING).stream().anyMatch(r -> r.backend().equals("record") && r.op().equals("lstm-lm")));
            assertTrue(s.report().rows(Runner.ERRORS).stream().filter(r -> r.backend().equals("record")).count() >= ErrorCase.all().size());
        }
    }

    @Test
    @SuppressWarnings("try") // the block installs the test backends
    void aBackendWithABugFailsNamingOpCaseWorstElementBothValuesAndTolerance() {
        try (TestBackends ignored = TestBackends.install()) {
            ParitySuite s = new ParitySuite(ParitySuite.Options.defaults().withBackends(List.of("skewed"))
                    .withFilter("conv2d/odd sizes").withRunners(EnumSet.of(Runner.BACKEND)));
            List<Row> rows = s.run(Runner.BACKEND);
            assertEquals(2, rows.size(), "float32 and float64 legs of one case");
            for (Row r : rows) {
                assertEquals(Status.FAIL, r.status(), r.toString());
                String m = r.message();
                assertTrue(m.startsWith("conv2d/odd sizes x[2,3,7,6] w[4,3,3,3], pad 1, bias mismatch on x[2,3,7,6] w[4,3,3,3] b[4] " + r.dtype()
                        + ": output: |cpu−skewed| = 5.000e-01 at [0,0,0,0] (cpu="), m);
                assertTrue(Pattern.compile("\\(cpu=(-?[0-9.]+(e[-+]?[0-9]+)?), skewed=(-?[0-9.]+(e[-+]?[0-9]+)?)\\), atol=\\S+ rtol=\\S+ \\(sums of up to")
                        .matcher(m).find(), m);
                assertEquals(0.5, r.maxAbs(), 1e-6);
                assertTrue(r.headroom() > 1, "the planted error must exceed the tolerance: " + r.headroom());
            }

            // The same planted bug leaves an op that never calls conv2dForward alone: no false alarm.
            ParitySuite clean = new ParitySuite(ParitySuite.Options.defaults().withBackends(List.of("skewed"))
                    .withFilter("matmul/odd sizes").withRunners(EnumSet.of(Runner.BACKEND)));
            List<Row> ok = clean.run(Runner.BACKEND);
            assertEquals(2, ok.size());
            assertTrue(ok.stream().allMatch(r -> r.status() == Status.PASS), ok.toString());
        }
    }

    @Test
    void aBackendThatCannotRunIsSkippedWithItsReasonAndNeverCountedAsPassed(@TempDir Path dir) throws Exception {
        ParitySuite s = new ParitySuite(ParitySuite.Options.defaults().withBackends(List.of("nonexistent"))
                .withFilter("matmul/odd sizes").withRunners(EnumSet.of(Runner.GRADCHECK, Runner.BACKEND)));
        assertFalse(s.legs().get(0).available());
        s.runAll();
        List<Row> legs = s.report().rows().stream().filter(r -> r.backend().equals("nonexistent")).collect(Collectors.toList());
        assertEquals(3, legs.size(), "gradient check (float64) and backend parity (float32, float64): " + legs);
        for (Row r : legs) {
            assertEquals(Status.SKIPPED, r.status());
            assertTrue(r.message().startsWith("no backend named 'nonexistent' is installed"), r.message());
        }
        assertEquals(0, s.report().count(Runner.BACKEND, Status.PASS));
        assertEquals(1, s.report().count(Runner.GRADCHECK, Status.PASS), "the CPU's own gradient check still runs");

        List<Path> files = s.report().write(dir);
        JsonNode json = new ObjectMapper().readTree(Files.readString(files.get(0)));
        int skipped = 0;
        for (JsonNode r : json.get("results"))
            if (r.get("status").asText().equals("SKIPPED")) {
                skipped++;
                assertTrue(r.get("reason").asText().contains("no backend named 'nonexistent'"), r.toString());
            }
        assertEquals(3, skipped);
        String md = Files.readString(files.get(1));
        assertTrue(md.contains("- **nonexistent**: 3 legs SKIPPED — no backend named 'nonexistent' is installed"), md);
        assertTrue(md.contains("| backend parity | each case on the CPU reference"), md);
    }
}
