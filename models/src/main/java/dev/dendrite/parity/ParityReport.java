package dev.dendrite.parity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dendrite.Engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The results of a parity run: one row per op, case, dtype, runner and backend, plus the
 * environment (Java, OS, every backend's probe result with its library and driver versions) and,
 * when the test suite computed it, op coverage. Written as {@code report.json} (every row) and
 * {@code report.md} (summary, failures, per-case tables; the skipped legs of an unavailable backend
 * are grouped under the probe's reason). Thread-safe for adding rows.
 */
public final class ParityReport {
    /** Outcome of one leg. A SKIPPED leg is never counted as passed. */
    public enum Status { PASS, FAIL, SKIPPED }

    /** The six runners of the suite, in report order. */
    public enum Runner {
        GRADCHECK("gradient checks", "FLOAT64 central differences vs autograd, forward and backward of every differentiable case, on every available backend"),
        BACKEND("backend parity", "each case on the CPU reference and on every other backend from the same host inputs; outputs and gradients compared"),
        PRECISION("precision parity", "FLOAT32 vs FLOAT64 on the CPU for every case; calibrates the tolerances used against the GPU"),
        ERRORS("same errors", "bad input rejected by every backend with the same exception class and message"),
        RANDOM("random numbers", "Philox known-answer vectors, rand/randn/dropout masks bit-identical to the host reference on every backend"),
        TRAINING("training trajectories", "LeNet-5 (dropout) and a 2-layer LSTM language model, same weights and data; parameters compared after every step");

        private final String title, what;

        Runner(String title, String what) {
            this.title = title;
            this.what = what;
        }

        /** Short name for tables. */
        public String title() {
            return title;
        }

        /** What the runner checks, one sentence. */
        public String what() {
            return what;
        }

        /** Lower-case key for JSON and {@code --runners}. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One leg.
     * @param runner which runner
     * @param backend the backend compared with the reference (or checked, for gradient checks)
     * @param op op name ({@code conv2d}) or check family ({@code lenet5})
     * @param caseName the situation
     * @param dtype {@code float32}, {@code float64}, {@code int64}, or empty
     * @param status pass, fail or skipped
     * @param maxAbs largest absolute difference (null when not measured)
     * @param maxRel largest relative difference, or the gradient check's error measure
     * @param tolerance the tolerance, as text ({@code atol=1e-05 rtol=1e-05})
     * @param toleranceWhy the reason for its size
     * @param headroom the deciding ratio measured/allowed (≤ 1 passes), null when not measured
     * @param worst the worst element: where, both values
     * @param message failure message or skip reason
     * @param diagnostics what the backend reported about the call (GPU algorithm, math mode), may be empty
     * @param millis wall time of the leg
     */
    public record Row(Runner runner, String backend, String op, String caseName, String dtype, Status status, Double maxAbs, Double maxRel,
                      String tolerance, String toleranceWhy, Double headroom, String worst, String message, Map<String, String> diagnostics,
                      long millis) {
        public Row {
            diagnostics = diagnostics == null ? Map.of() : Map.copyOf(diagnostics);
        }

        /** {@code op/case}. */
        public String id() {
            return op + "/" + caseName;
        }

        static Row skipped(Runner runner, String backend, String op, String caseName, String dtype, String reason) {
            return new Row(runner, backend, op, caseName, dtype, Status.SKIPPED, null, null, "", "", null, "", reason, Map.of(), 0);
        }
    }

    /** Which SPI primitives and op-enum constants the catalog reached (filled by the coverage test). */
    public record Coverage(Map<String, List<String>> reachedBy, List<String> missing) {
    }

    private final List<Row> rows = Collections.synchronizedList(new ArrayList<>());
    private final Map<Runner, Long> runnerMillis = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, Object> environment;
    private final List<Map<String, Object>> backends = new ArrayList<>();
    private volatile Coverage coverage;
    private final String createdAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();

    /** An empty report; records the environment and every installed backend's probe result now. */
    public ParityReport() {
        this(Engine.providers());
    }

    /** An empty report of the environment and the given probe results (a probe can take seconds; callers that have them pass them). */
    public ParityReport(List<Engine.ProviderReport> providers) {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("dendrite", "0.1.0");
        env.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", " + System.getProperty("java.vendor") + ")");
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        env.put("cpus", Runtime.getRuntime().availableProcessors());
        String threads = System.getProperty("dendrite.cpu.threads");
        if (threads != null) env.put("dendrite.cpu.threads", threads);
        for (String p : new String[]{"dendrite.cuda.libs", "dendrite.cuda.tf32", "dendrite.cuda.syncAfterLaunch"}) {
            String v = System.getProperty(p);
            if (v != null) env.put(p, v);
        }
        this.environment = env;
        for (Engine.ProviderReport r : providers) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("name", r.name());
            b.put("priority", r.priority());
            b.put("available", r.availability().isAvailable());
            if (r.availability().isAvailable()) b.put("details", r.availability().details());
            else b.put("reason", r.availability().reason());
            backends.add(b);
        }
    }

    /** Adds one row. */
    public void add(Row r) {
        rows.add(r);
    }

    /** Adds rows. */
    public void addAll(List<Row> rs) {
        rows.addAll(rs);
    }

    /** Records a runner's total wall time (added up if it ran in parts). */
    public void addRunnerTime(Runner r, long millis) {
        runnerMillis.merge(r, millis, Long::sum);
    }

    /** Attaches the coverage computed by the coverage test. */
    public void setCoverage(Coverage c) {
        this.coverage = c;
    }

    /** A snapshot of every row. */
    public List<Row> rows() {
        synchronized (rows) {
            return List.copyOf(rows);
        }
    }

    /** The rows of one runner. */
    public List<Row> rows(Runner r) {
        return rows().stream().filter(x -> x.runner() == r).collect(Collectors.toList());
    }

    /** Every FAIL row. */
    public List<Row> failures() {
        return rows().stream().filter(x -> x.status() == Status.FAIL).collect(Collectors.toList());
    }

    /** How many rows of runner {@code r} have status {@code s}. */
    public long count(Runner r, Status s) {
        return rows().stream().filter(x -> x.runner() == r && x.status() == s).count();
    }

    // ---- output ----------------------------------------------------------------------------------

    /** Writes {@code report.json} and {@code report.md} into {@code dir} (created if needed); returns their paths. */
    public List<Path> write(Path dir) {
        try {
            Files.createDirectories(dir);
            Path json = dir.resolve("report.json"), md = dir.resolve("report.md");
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Files.writeString(json, mapper.writeValueAsString(toJson()) + "\n", StandardCharsets.UTF_8);
            Files.writeString(md, toMarkdown(), StandardCharsets.UTF_8);
            return List.of(json, md);
        } catch (IOException e) {
            throw new UncheckedIOException("parity: cannot write the report into " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    Map<String, Object> toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("createdAt", createdAt);
        root.put("environment", environment);
        root.put("backends", backends);
        List<Map<String, Object>> summary = new ArrayList<>();
        for (Runner r : Runner.values()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("runner", r.key());
            s.put("checks", r.what());
            s.put("passed", count(r, Status.PASS));
            s.put("failed", count(r, Status.FAIL));
            s.put("skipped", count(r, Status.SKIPPED));
            s.put("millis", runnerMillis.getOrDefault(r, 0L));
            summary.add(s);
        }
        root.put("summary", summary);
        if (coverage != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("missing", coverage.missing());
            c.put("reachedBy", coverage.reachedBy());
            root.put("coverage", c);
        }
        List<Map<String, Object>> rs = new ArrayList<>();
        for (Row r : rows()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("runner", r.runner().key());
            m.put("backend", r.backend());
            m.put("op", r.op());
            m.put("case", r.caseName());
            if (!r.dtype().isEmpty()) m.put("dtype", r.dtype());
            m.put("status", r.status().name());
            if (r.maxAbs() != null) m.put("maxAbs", r.maxAbs());
            if (r.maxRel() != null) m.put("maxRel", r.maxRel());
            if (!r.tolerance().isEmpty()) m.put("tolerance", r.tolerance());
            if (!r.toleranceWhy().isEmpty()) m.put("toleranceWhy", r.toleranceWhy());
            if (r.headroom() != null) m.put("measuredOverAllowed", r.headroom());
            if (!r.worst().isEmpty()) m.put("worst", r.worst());
            if (!r.message().isEmpty()) m.put(r.status() == Status.SKIPPED ? "reason" : "message", r.message());
            if (!r.diagnostics().isEmpty()) m.put("diagnostics", new TreeMap<>(r.diagnostics()));
            m.put("millis", r.millis());
            rs.add(m);
        }
        root.put("results", rs);
        return root;
    }

    /** The Markdown report. */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Dendrite parity report\n\n");
        sb.append("Generated ").append(createdAt).append(" — dendrite ").append(environment.get("dendrite")).append(", Java ")
                .append(environment.get("java")).append(", ").append(environment.get("os")).append(", ").append(environment.get("cpus"))
                .append(" CPUs.\n\n");

        sb.append("## Backends\n\n| backend | status | details or reason |\n|---|---|---|\n");
        for (Map<String, Object> b : backends) {
            boolean ok = (Boolean) b.get("available");
            sb.append("| ").append(b.get("name")).append(" | ").append(ok ? "available" : "UNAVAILABLE").append(" | ")
                    .append(cell(String.valueOf(ok ? b.get("details") : b.get("reason")))).append(" |\n");
        }
        sb.append('\n');

        sb.append("## Summary\n\n| runner | checks | passed | failed | skipped | time |\n|---|---|---:|---:|---:|---:|\n");
        for (Runner r : Runner.values()) {
            sb.append("| ").append(r.title()).append(" | ").append(r.what()).append(" | ").append(count(r, Status.PASS)).append(" | ")
                    .append(count(r, Status.FAIL)).append(" | ").append(count(r, Status.SKIPPED)).append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f s", runnerMillis.getOrDefault(r, 0L) / 1000.0)).append(" |\n");
        }
        sb.append('\n');

        Map<String, Map<String, Long>> skipped = new LinkedHashMap<>(); // backend → reason → count
        for (Row r : rows())
            if (r.status() == Status.SKIPPED) skipped.computeIfAbsent(r.backend(), k -> new LinkedHashMap<>()).merge(r.message(), 1L, Long::sum);
        if (!skipped.isEmpty()) {
            sb.append("## Skipped legs (never counted as passed)\n\n");
            skipped.forEach((b, reasons) -> reasons.forEach((reason, n) ->
                    sb.append("- **").append(b).append("**: ").append(n).append(n == 1 ? " leg" : " legs").append(" SKIPPED — ").append(reason).append('\n')));
            sb.append('\n');
        }

        List<Row> failed = failures();
        sb.append("## Failures\n\n");
        if (failed.isEmpty()) sb.append("None.\n\n");
        else {
            for (Row r : failed) sb.append("- [").append(r.runner().key()).append("] ").append(r.message()).append('\n');
            sb.append('\n');
        }

        if (coverage != null) {
            sb.append("## Coverage\n\n");
            sb.append(coverage.reachedBy().size()).append(" SPI primitives and op-enum constants reached by the catalog; ")
                    .append(coverage.missing().isEmpty() ? "none missing" : "MISSING: " + String.join(", ", coverage.missing())).append(".\n\n");
            sb.append("| primitive or constant | cases reaching it |\n|---|---:|\n");
            coverage.reachedBy().forEach((k, v) -> sb.append("| `").append(k).append("` | ").append(v.size()).append(" |\n"));
            sb.append('\n');
        }

        for (Runner r : Runner.values()) {
            List<Row> rs = rows(r).stream().filter(x -> x.status() != Status.SKIPPED).collect(Collectors.toList());
            if (rs.isEmpty()) continue;
            sb.append("## ").append(Character.toUpperCase(r.title().charAt(0))).append(r.title().substring(1)).append("\n\n")
                    .append(r.what()).append(".\n\n");
            sb.append("| op | case | dtype | backend | max abs | max rel | tolerance | measured/allowed | status |\n")
                    .append("|---|---|---|---|---:|---:|---|---:|---|\n");
            for (Row x : rs) {
                sb.append("| ").append(cell(x.op())).append(" | ").append(cell(x.caseName())).append(" | ").append(x.dtype()).append(" | ")
                        .append(x.backend()).append(" | ").append(num(x.maxAbs())).append(" | ").append(num(x.maxRel())).append(" | ")
                        .append(cell(x.tolerance())).append(" | ").append(num(x.headroom())).append(" | ").append(x.status());
                if (!x.diagnostics().isEmpty()) sb.append(" ").append(cell(new TreeMap<>(x.diagnostics()).toString()));
                sb.append(" |\n");
            }
            sb.append('\n');
        }
        sb.append("Tolerances and their reasons are in report.json (`toleranceWhy`); see Note [Parity tolerances] in dev.dendrite.parity.Tolerance.\n");
        return sb.toString();
    }

    private static String num(Double v) {
        if (v == null) return "";
        if (v == 0) return "0";
        return String.format(Locale.ROOT, "%.2e", v);
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }

    /** One line per runner: {@code gradient checks  412 passed, 0 failed, 0 skipped (12.3 s)}. */
    public String summaryTable() {
        return summaryTable(java.util.EnumSet.allOf(Runner.class));
    }

    /** {@link #summaryTable()} for the given runners only. */
    public String summaryTable(java.util.Set<Runner> which) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-22s %7s %7s %8s %9s%n", "runner", "passed", "failed", "skipped", "time"));
        for (Runner r : Runner.values())
            if (which.contains(r)) sb.append(String.format(Locale.ROOT, "%-22s %7d %7d %8d %8.1fs%n", r.title(), count(r, Status.PASS), count(r, Status.FAIL),
                    count(r, Status.SKIPPED), runnerMillis.getOrDefault(r, 0L) / 1000.0));
        return sb.toString();
    }
}
