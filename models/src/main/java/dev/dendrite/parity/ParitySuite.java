package dev.dendrite.parity;

import dev.dendrite.DType;
import dev.dendrite.Device;
import dev.dendrite.Engine;
import dev.dendrite.GradCheck;
import dev.dendrite.MemoryScope;
import dev.dendrite.Tensor;
import dev.dendrite.parity.ParityReport.Row;
import dev.dendrite.parity.ParityReport.Runner;
import dev.dendrite.parity.ParityReport.Status;
import dev.dendrite.spi.Availability;
import dev.dendrite.spi.Backend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs the parity suite over {@link OpCatalog}, {@link ErrorCase}, {@link RandomParity} and
 * {@link TrainingParity}, adding rows to a {@link ParityReport}. The CPU backend is the reference;
 * every other backend (a "leg") is compared with it. A leg whose backend is not installed or whose
 * probe says it is unavailable is recorded as SKIPPED with the probe's reason, one row per check it
 * would have run, and is never counted as passed.
 * <pre>{@code
 * ParitySuite suite = new ParitySuite(ParitySuite.Options.defaults());
 * ParityReport report = suite.runAll();
 * report.write(Path.of("target/parity"));
 * }</pre>
 */
public final class ParitySuite {
    private static final Logger log = LoggerFactory.getLogger(ParitySuite.class);
    /** The reference backend. */
    public static final String REFERENCE = "cpu";

    /**
     * What to run.
     * @param backends the backends to compare with the CPU; null means "cuda" plus every other
     *                 available non-CPU backend that is installed
     * @param filter a case-insensitive substring of {@code op/case} ids (null or empty: everything)
     * @param runners which runners
     * @param trainingSteps optimizer steps per training trajectory
     */
    public record Options(List<String> backends, String filter, Set<Runner> runners, int trainingSteps) {
        public Options {
            runners = runners == null || runners.isEmpty() ? EnumSet.allOf(Runner.class) : EnumSet.copyOf(runners);
            if (trainingSteps < 1) throw new IllegalArgumentException("parity: trainingSteps must be >= 1, got " + trainingSteps);
            backends = backends == null ? null : List.copyOf(backends);
        }

        /** Every runner, every backend, no filter, {@value TrainingParity#DEFAULT_STEPS} training steps. */
        public static Options defaults() {
            return new Options(null, null, null, TrainingParity.DEFAULT_STEPS);
        }

        /** These backends instead of the default choice (null restores it). */
        public Options withBackends(List<String> b) {
            return new Options(b, filter, runners, trainingSteps);
        }

        /** Only ids containing {@code f}, case-insensitive. */
        public Options withFilter(String f) {
            return new Options(backends, f, runners, trainingSteps);
        }

        /** Only these runners (empty or null: all). */
        public Options withRunners(Set<Runner> r) {
            return new Options(backends, filter, r, trainingSteps);
        }

        /** Optimizer steps per training trajectory. */
        public Options withTrainingSteps(int s) {
            return new Options(backends, filter, runners, s);
        }

        /** Whether {@code id} passes the filter. */
        public boolean accepts(String id) {
            return filter == null || filter.isBlank() || id.toLowerCase(Locale.ROOT).contains(filter.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * A backend to compare with the reference, available or not.
     * @param name provider name
     * @param available whether it can run here
     * @param reason why not (the probe's words), empty when available
     */
    public record Leg(String name, boolean available, String reason) {
        /** Device 0 of this backend. */
        public Device device() {
            return new Device(name, 0);
        }
    }

    private final Options options;
    private final ParityReport report;
    private final List<Leg> legs;

    /** A suite writing into a new report. Probes every installed backend once. */
    public ParitySuite(Options options) {
        this(options, Engine.providers());
    }

    private ParitySuite(Options options, List<Engine.ProviderReport> providers) {
        this.options = options;
        this.report = new ParityReport(providers);
        this.legs = resolveLegs(options.backends(), providers);
    }

    /** The report the runners add to. */
    public ParityReport report() {
        return report;
    }

    /** What this suite runs. */
    public Options options() {
        return options;
    }

    /** The backends compared with the CPU, with availability. */
    public List<Leg> legs() {
        return legs;
    }

    /** The legs that are unavailable here, for a test's assumption message. */
    public List<Leg> unavailableLegs() {
        return legs.stream().filter(l -> !l.available()).collect(Collectors.toList());
    }

    /** {@code cuda: <probe reason>; rocm: ...}, or empty when every leg is available. */
    public String skipReasons() {
        return unavailableLegs().stream().map(l -> l.name() + ": " + l.reason()).collect(Collectors.joining("; "));
    }

    /** Resolves the requested backend names (null: "cuda" plus every installed, available non-CPU backend). */
    static List<Leg> resolveLegs(List<String> requested, List<Engine.ProviderReport> providers) {
        Map<String, Availability> installed = new LinkedHashMap<>();
        for (Engine.ProviderReport r : providers) installed.put(r.name(), r.availability());
        Set<String> names = new LinkedHashSet<>();
        if (requested == null) {
            names.add("cuda");
            installed.forEach((n, a) -> {
                if (!n.equals(REFERENCE) && a.isAvailable()) names.add(n);
            });
        } else names.addAll(requested);
        names.remove(REFERENCE);
        List<Leg> out = new ArrayList<>();
        for (String n : names) {
            Availability a = installed.get(n);
            if (a == null)
                out.add(new Leg(n, false, "no backend named '" + n + "' is installed (installed: " + String.join(", ", installed.keySet())
                        + "); put dev.dendrite:engine-" + n + " on the classpath"));
            else out.add(new Leg(n, a.isAvailable(), a.isAvailable() ? "" : a.reason()));
        }
        return out;
    }

    /** Runs every selected runner; returns the report. */
    public ParityReport runAll() {
        for (Runner r : Runner.values()) if (options.runners().contains(r)) run(r);
        return report;
    }

    /** Runs one runner and records its time. */
    public List<Row> run(Runner r) {
        long t0 = System.nanoTime();
        List<Row> rows = switch (r) {
            case GRADCHECK -> gradientChecks();
            case BACKEND -> backendParity();
            case PRECISION -> precisionParity();
            case ERRORS -> sameErrors();
            case RANDOM -> new RandomParity(this).run();
            case TRAINING -> new TrainingParity(this).run();
        };
        long ms = (System.nanoTime() - t0) / 1_000_000;
        report.addAll(rows);
        report.addRunnerTime(r, ms);
        long fail = rows.stream().filter(x -> x.status() == Status.FAIL).count();
        long skip = rows.stream().filter(x -> x.status() == Status.SKIPPED).count();
        log.debug("parity {}: {} legs, {} failed, {} skipped, {} ms", r.key(), rows.size(), fail, skip, ms);
        return rows;
    }

    List<OpCase> cases() {
        return OpCatalog.all().stream().filter(c -> options.accepts(c.id())).collect(Collectors.toList());
    }

    // ---- runner 1: gradient checks ----------------------------------------------------------------

    /** Runner 1: central differences vs autograd in FLOAT64 on the CPU and every available leg. */
    List<Row> gradientChecks() {
        List<Row> rows = new ArrayList<>();
        List<String> backends = new ArrayList<>();
        backends.add(REFERENCE);
        for (Leg l : legs) if (l.available()) backends.add(l.name());
        for (OpCase c : cases()) {
            if (!c.differentiable() || !c.dtypes().contains(DType.FLOAT64)) continue;
            for (String b : backends) {
                if (c.noGradCheckWhy() != null) { // a SKIPPED row, never a pass: the gradient is compared by the other runners only
                    rows.add(Row.skipped(Runner.GRADCHECK, b, c.op(), c.name(), "float64",
                            "not applicable (gradient compared across backends and dtypes only): " + c.noGradCheckWhy()));
                    continue;
                }
                rows.add(gradCheck(c, b));
            }
            for (Leg l : legs) if (!l.available()) rows.add(Row.skipped(Runner.GRADCHECK, l.name(), c.op(), c.name(), "float64", l.reason()));
        }
        return rows;
    }

    @SuppressWarnings("try") // the scope frees what the body allocates
    private Row gradCheck(OpCase c, String backend) {
        long t0 = System.nanoTime();
        Device d = new Device(backend, 0);
        String tol = Tolerance.fmt(c.gradTol()) + " (GradCheck error measure)";
        try (MemoryScope scope = MemoryScope.open()) {
            double[][] host = Evaluation.hostInputs(c);
            List<Tensor> ins = Evaluation.materialize(c, host, d, DType.FLOAT64, true);
            GradCheck.Result r = GradCheck.check(xs -> c.fn().apply(new OpCase.Args(xs, d, DType.FLOAT64)), ins, GradCheck.DEFAULT_EPS);
            boolean ok = r.passes(c.gradTol());
            String worst = r.input() < 0 ? "no elements" : c.inputs().get(r.input()).name() + " " + r;
            String msg = ok ? "" : c.id() + " float64 gradient check failed on " + backend + ": " + c.describeInputs() + ": " + worst
                    + " > tolerance " + Tolerance.fmt(c.gradTol()) + " (" + c.gradTolWhy() + ")";
            return new Row(Runner.GRADCHECK, backend, c.op(), c.name(), "float64", ok ? Status.PASS : Status.FAIL,
                    Math.abs(r.analytic() - r.numeric()), r.maxError(), tol, c.gradTolWhy(), r.maxError() / c.gradTol(), worst, msg,
                    diagnostics(backend), ms(t0));
        } catch (RuntimeException | AssertionError e) {
            return crashed(Runner.GRADCHECK, backend, c, "float64", e, t0);
        }
    }

    // ---- runner 2: backend parity -----------------------------------------------------------------

    /** Runner 2: every case on the CPU and on each available leg from the same host inputs. */
    List<Row> backendParity() {
        List<Row> rows = new ArrayList<>();
        for (OpCase c : cases()) {
            for (DType dt : c.dtypes()) {
                Evaluation ref = null;
                RuntimeException refError = null;
                for (Leg l : legs) {
                    if (!l.available()) {
                        rows.add(Row.skipped(Runner.BACKEND, l.name(), c.op(), c.name(), dt.shortName(), l.reason()));
                        continue;
                    }
                    long t0 = System.nanoTime();
                    if (ref == null && refError == null) {
                        try {
                            ref = Evaluation.run(c, Evaluation.hostInputs(c), Device.CPU, dt, true);
                        } catch (RuntimeException e) {
                            refError = e;
                        }
                    }
                    if (refError != null) {
                        rows.add(crashed(Runner.BACKEND, REFERENCE, c, dt.shortName(), refError, t0));
                        continue;
                    }
                    Tolerance tol = backendTolerance(c, dt);
                    try {
                        Evaluation got = Evaluation.run(c, Evaluation.hostInputs(c), l.device(), dt, true);
                        rows.add(compared(Runner.BACKEND, l.name(), c, dt, Diff.worst(ref, got, tol), tol, REFERENCE, l.name(), t0));
                    } catch (RuntimeException | AssertionError e) {
                        rows.add(crashed(Runner.BACKEND, l.name(), c, dt.shortName(), e, t0));
                    }
                }
            }
        }
        return rows;
    }

    /** FLOAT32 between two backends: each carries its own float32 error, so twice the precision tolerance (Note [Parity tolerances]). */
    static Tolerance backendTolerance(OpCase c, DType dt) {
        Tolerance t = c.tolerance().forDType(dt);
        return dt == DType.FLOAT32 ? t.times(2, "between two float32 implementations, each with its own rounding") : t;
    }

    // ---- runner 3: precision parity ---------------------------------------------------------------

    /** Runner 3: FLOAT32 against FLOAT64 on the CPU, same (float-representable) inputs. */
    List<Row> precisionParity() {
        List<Row> rows = new ArrayList<>();
        for (OpCase c : cases()) {
            if (!c.dtypes().contains(DType.FLOAT32) || !c.dtypes().contains(DType.FLOAT64)) continue;
            long t0 = System.nanoTime();
            Tolerance tol = c.tolerance().fp32();
            try {
                double[][] host = Evaluation.hostInputs(c);
                Evaluation ref = Evaluation.run(c, host, Device.CPU, DType.FLOAT64, true);
                Evaluation got = Evaluation.run(c, host, Device.CPU, DType.FLOAT32, true);
                rows.add(compared(Runner.PRECISION, REFERENCE, c, DType.FLOAT32, Diff.worst(ref, got, tol), tol, "float64", "float32", t0));
            } catch (RuntimeException | AssertionError e) {
                rows.add(crashed(Runner.PRECISION, REFERENCE, c, "float32", e, t0));
            }
        }
        return rows;
    }

    // ---- runner 4: same errors --------------------------------------------------------------------

    /** Runner 4: every error case on the CPU (expected class and message fragment), then on each leg (same class and message as the CPU). */
    List<Row> sameErrors() {
        List<Row> rows = new ArrayList<>();
        for (ErrorCase e : ErrorCase.all()) {
            if (!options.accepts(e.id())) continue;
            long t0 = System.nanoTime();
            Throwable cpu = provoke(e, Device.CPU);
            String how = e.inBackend() ? "detected by the backend while computing" : "validated once in engine-api";
            String cpuProblem = cpu == null ? "accepted the bad input"
                    : !e.expected().isInstance(cpu) ? "threw " + cpu.getClass().getName() + " (expected " + e.expected().getName() + "): " + cpu.getMessage()
                    : cpu.getMessage() == null || !cpu.getMessage().contains(e.fragment())
                    ? "message \"" + cpu.getMessage() + "\" lacks \"" + e.fragment() + "\"" : null;
            rows.add(new Row(Runner.ERRORS, REFERENCE, e.op(), e.name(), "", cpuProblem == null ? Status.PASS : Status.FAIL, null, null,
                    "same class and message", how, null, cpu == null ? "" : cpu.getClass().getSimpleName() + ": " + cpu.getMessage(),
                    cpuProblem == null ? "" : e.id() + " on cpu: " + cpuProblem, Map.of(), ms(t0)));
            for (Leg l : legs) {
                if (!l.available()) {
                    rows.add(Row.skipped(Runner.ERRORS, l.name(), e.op(), e.name(), "", l.reason()));
                    continue;
                }
                long t1 = System.nanoTime();
                Throwable got = provoke(e, l.device());
                String problem = null;
                if (got == null) problem = "accepted the bad input that cpu rejected with " + describe(cpu);
                else if (cpu == null) problem = "threw " + describe(got) + " where cpu accepted the input";
                else if (got.getClass() != cpu.getClass() || !String.valueOf(got.getMessage()).equals(String.valueOf(cpu.getMessage())))
                    problem = "threw " + describe(got) + ", cpu threw " + describe(cpu);
                rows.add(new Row(Runner.ERRORS, l.name(), e.op(), e.name(), "", problem == null ? Status.PASS : Status.FAIL, null, null,
                        "same class and message", how, null, got == null ? "" : describe(got),
                        problem == null ? "" : e.id() + " on " + l.name() + ": " + problem, diagnostics(l.name()), ms(t1)));
            }
        }
        return rows;
    }

    @SuppressWarnings("try") // the scope frees what the body allocates
    private static Throwable provoke(ErrorCase e, Device d) {
        try (MemoryScope scope = MemoryScope.open()) {
            e.action().accept(d);
            return null;
        } catch (RuntimeException | AssertionError t) {
            return t;
        }
    }

    private static String describe(Throwable t) {
        return t == null ? "nothing" : t.getClass().getName() + "(\"" + t.getMessage() + "\")";
    }

    // ---- shared ---------------------------------------------------------------------------------

    private Row compared(Runner runner, String backend, OpCase c, DType dt, Diff d, Tolerance tol, String refName, String gotName, long t0) {
        boolean ok = d.passes();
        String what = d.describe(refName, gotName);
        String msg = ok ? "" : c.id() + " mismatch on " + c.describeInputs() + " " + dt.shortName() + ": " + what + ", " + tol.describe()
                + " (" + tol.why() + ")";
        return new Row(runner, backend, c.op(), c.name(), dt.shortName(), ok ? Status.PASS : Status.FAIL, d.problem() == null ? d.maxAbs() : null,
                d.problem() == null ? d.maxRel() : null, tol.describe(), tol.why(), Double.isFinite(d.worstRatio()) ? d.worstRatio() : null, what,
                msg, diagnostics(backend), ms(t0));
    }

    private Row crashed(Runner runner, String backend, OpCase c, String dtype, Throwable e, long t0) {
        log.debug("parity {} {} on {} threw", runner.key(), c.id(), backend, e);
        String msg = c.id() + " " + dtype + " on " + backend + " threw " + e.getClass().getName() + ": " + e.getMessage() + " (inputs "
                + c.describeInputs() + ")";
        return new Row(runner, backend, c.op(), c.name(), dtype, Status.FAIL, null, null, "", "", null, "", msg, Map.of(), ms(t0));
    }

    static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /**
     * What a backend says about its recent calls, for the report: if its class has a public no-arg
     * method {@code diagnostics()} returning a {@code Map} (the CUDA backend reports the cuDNN
     * algorithms it chose and the math mode), its entries; otherwise nothing. Reflection keeps this
     * optional: models depends on engine-api only.
     */
    static Map<String, String> diagnostics(String backend) {
        if (backend.equals(REFERENCE)) return Map.of();
        try {
            Backend b = Engine.backend(backend);
            Method m = b.getClass().getMethod("diagnostics");
            Object v = m.invoke(b);
            if (!(v instanceof Map<?, ?> map)) return Map.of();
            Map<String, String> out = new LinkedHashMap<>();
            map.forEach((k, val) -> out.put(String.valueOf(k), String.valueOf(val)));
            return out;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Map.of();
        }
    }
}
