package dev.dendrite.cli;

import dev.dendrite.parity.ParityReport;
import dev.dendrite.parity.ParitySuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code dendrite parity [--backend cuda] [--filter conv]}: runs the parity suite — the op catalog
 * on the CPU reference and on the other backend from the same inputs, gradient checks, FLOAT32 vs
 * FLOAT64, same errors, random numbers, training trajectories — prints the summary and writes
 * {@code report.json} and {@code report.md}. The command a user with a GPU runs to trust the setup.
 * Exit status: 0 when nothing failed, 1 when a check failed, 3 when a backend named with
 * {@code --backend} cannot run here (its checks are SKIPPED with the probe's reason, never passed).
 */
@Command(name = "parity", description = "Check a backend against the CPU reference, op by op; writes report.json and report.md.")
final class ParityCommand implements Callable<Integer> {
    @Option(names = "--backend", description = "Backend to compare with the CPU, repeatable (default: cuda and every other available backend)")
    List<String> backends;

    @Option(names = "--filter", description = "Only checks whose op/case contains this text, case-insensitive (e.g. conv, lstm, softmax)")
    String filter;

    @Option(names = "--runners", split = ",",
            description = "Comma-separated subset of: gradcheck, backend, precision, errors, random, training (default: all)")
    List<String> runners;

    @Option(names = "--steps", description = "Optimizer steps per training trajectory (default ${DEFAULT-VALUE})")
    int steps = 5;

    @Option(names = "--out", description = "Directory for report.json and report.md (default ${DEFAULT-VALUE})")
    Path out = Path.of("target", "parity");

    @Override
    public Integer call() {
        Set<ParityReport.Runner> selected = EnumSet.noneOf(ParityReport.Runner.class);
        if (runners != null) {
            for (String r : runners) {
                try {
                    selected.add(ParityReport.Runner.valueOf(r.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown runner '" + r + "'; choose from gradcheck, backend, precision, errors, random, training");
                }
            }
        }
        ParitySuite suite = new ParitySuite(ParitySuite.Options.defaults().withBackends(backends).withFilter(filter)
                .withRunners(selected).withTrainingSteps(steps));
        System.out.println("dendrite parity: reference cpu" + (filter == null ? "" : ", filter '" + filter + "'"));
        for (ParitySuite.Leg l : suite.legs())
            System.out.println("  " + l.name() + ": " + (l.available() ? "compared with cpu" : "SKIPPED — " + l.reason()));
        for (ParityReport.Runner r : ParityReport.Runner.values()) {
            if (!suite.options().runners().contains(r)) continue;
            long t0 = System.nanoTime();
            List<ParityReport.Row> rows = suite.run(r);
            System.out.printf(Locale.ROOT, "  %-22s %4d passed, %d failed, %d skipped (%.1f s)%n", r.title(),
                    rows.stream().filter(x -> x.status() == ParityReport.Status.PASS).count(),
                    rows.stream().filter(x -> x.status() == ParityReport.Status.FAIL).count(),
                    rows.stream().filter(x -> x.status() == ParityReport.Status.SKIPPED).count(), (System.nanoTime() - t0) / 1e9);
        }
        ParityReport report = suite.report();
        List<Path> files = report.write(out);

        System.out.println();
        System.out.print(report.summaryTable(suite.options().runners()));
        List<ParityReport.Row> failed = report.failures();
        if (!failed.isEmpty()) {
            System.out.println();
            System.out.println(failed.size() + " check(s) FAILED:");
            failed.stream().limit(20).forEach(r -> System.out.println("  [" + r.runner().key() + "] " + r.message()));
            if (failed.size() > 20) System.out.println("  ... and " + (failed.size() - 20) + " more in the report");
        }
        System.out.println();
        System.out.println("Report: " + files.get(0) + " and " + files.get(1));
        if (!failed.isEmpty()) return 1;
        boolean requestedButUnavailable = backends != null && !suite.unavailableLegs().isEmpty();
        if (requestedButUnavailable) {
            System.out.println("Nothing was compared against the requested backend: " + suite.skipReasons());
            return 3;
        }
        if (!suite.unavailableLegs().isEmpty())
            System.out.println("Only the CPU legs ran; the other backends' legs are SKIPPED (" + suite.skipReasons() + ").");
        return 0;
    }
}
