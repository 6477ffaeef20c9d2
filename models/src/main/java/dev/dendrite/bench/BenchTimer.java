package dev.dendrite.bench;

/**
 * Times a workload the way {@code bench_pytorch.py} times its twin: warm up (at least
 * {@code warmupRuns} runs and {@code warmupSeconds}), then {@code rounds} rounds of at least
 * {@code minRuns} runs and {@code roundSeconds} each, and report the best round's mean time per
 * run. The best round is the least disturbed by other processes on a shared machine.
 *
 * @param warmupRuns    runs before timing, at least
 * @param warmupSeconds seconds of runs before timing, at least
 * @param rounds        timed rounds
 * @param minRuns       runs per round, at least
 * @param roundSeconds  seconds per round, at least
 */
public record BenchTimer(int warmupRuns, double warmupSeconds, int rounds, int minRuns, double roundSeconds) {
    public BenchTimer {
        if (warmupRuns < 0 || rounds < 1 || minRuns < 1 || !(warmupSeconds >= 0) || !(roundSeconds >= 0))
            throw new IllegalArgumentException("bench: timer needs rounds >= 1, runs >= 1 and non-negative times, got warmupRuns="
                    + warmupRuns + " warmupSeconds=" + warmupSeconds + " rounds=" + rounds + " minRuns=" + minRuns
                    + " roundSeconds=" + roundSeconds);
    }

    /**
     * Warm-up of 3 runs and 2 s (time for the JIT to finish compiling the hot path on 2 cores), then 10 rounds of 2 runs and 0.25 s: what the README's figures use.
     * Many short rounds rather than a few long ones, because the machine is shared: the best round is
     * the one another process left alone.
     */
    public static BenchTimer standard() {
        return new BenchTimer(3, 2.0, 10, 2, 0.25);
    }

    /** One warm-up run and 3 short rounds: a smoke test of the command, not a measurement. */
    public static BenchTimer quick() {
        return new BenchTimer(1, 0, 3, 1, 0.05);
    }

    /** Best mean seconds per run over the rounds. */
    public double secondsPerRun(Workload w) {
        long start = System.nanoTime();
        for (int i = 0; i < warmupRuns || (System.nanoTime() - start) / 1e9 < warmupSeconds; i++) w.run();
        double best = Double.POSITIVE_INFINITY;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            int runs = 0;
            long t;
            do {
                w.run();
                runs++;
                t = System.nanoTime();
            } while (runs < minRuns || (t - t0) / 1e9 < roundSeconds);
            best = Math.min(best, (t - t0) / 1e9 / runs);
        }
        return best;
    }
}
