package dev.dendrite.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits index ranges over the CPU backend's worker pool. The thread count is
 * {@code -Ddendrite.cpu.threads=N} (or {@code DENDRITE_CPU_THREADS}), defaulting to the number of
 * available processors. Work smaller than the grain runs on the calling thread, so small ops never
 * pay for a hand-off.
 */
public final class Parallel {
    /** A body over the half-open index range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static final int THREADS = configuredThreads();
    private static final ForkJoinPool POOL = THREADS > 1 ? new ForkJoinPool(THREADS) : null;

    private Parallel() {
    }

    /** Worker threads in use (1 means everything runs on the caller). */
    public static int threads() {
        return THREADS;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of at least {@code grain} indices, in parallel
     * when there is more than one chunk. Returns when all chunks are done; an exception in any
     * chunk is rethrown here.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int g = Math.max(1, grain);
        if (POOL == null || n <= g || inWorker()) {
            body.run(0, n);
            return;
        }
        int chunks = Math.min(THREADS * 4, (n + g - 1) / g);
        try {
            POOL.invoke(new Chunk(body, 0, n, chunks));
        } catch (RuntimeException | Error e) {
            // ForkJoinTask rethrows a worker's exception as a new instance of the same class whose cause
            // is the original, and with a null message when the class has no (Throwable) constructor
            // (ArithmeticException): rethrow the original so callers see the op's own message.
            Throwable cause = e.getCause();
            if (cause != null && cause.getClass() == e.getClass()) {
                if (cause instanceof RuntimeException r) throw r;
                if (cause instanceof Error err) throw err;
            }
            throw e;
        }
    }

    private static boolean inWorker() {
        return Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w && w.getPool() == POOL;
    }

    private static final class Chunk extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final transient RangeBody body;
        private final int from, to, pieces;

        Chunk(RangeBody body, int from, int to, int pieces) {
            this.body = body;
            this.from = from;
            this.to = to;
            this.pieces = pieces;
        }

        @Override
        protected void compute() {
            if (pieces <= 1) {
                body.run(from, to);
                return;
            }
            int leftPieces = pieces / 2;
            int mid = from + (int) ((long) (to - from) * leftPieces / pieces);
            invokeAll(new Chunk(body, from, mid, leftPieces), new Chunk(body, mid, to, pieces - leftPieces));
        }
    }

    private static int configuredThreads() {
        String v = System.getProperty("dendrite.cpu.threads", System.getenv("DENDRITE_CPU_THREADS"));
        int n = Runtime.getRuntime().availableProcessors();
        if (v != null && !v.isBlank()) {
            try {
                n = Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("dendrite.cpu.threads must be a positive integer, got '" + v + "'");
            }
            if (n < 1) throw new IllegalArgumentException("dendrite.cpu.threads must be >= 1, got " + n);
        }
        return n;
    }
}
