package dev.dendrite.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits index ranges over the CPU backend's threads. The thread count is
 * {@code -Ddendrite.cpu.threads=N} (or {@code DENDRITE_CPU_THREADS}), defaulting to the number of
 * available processors. Work smaller than the grain runs on the calling thread, so small ops never
 * pay for a hand-off.
 *
 * <p>Note [Parallel hand-off]: a training step is a few hundred ops of tens to hundreds of
 * microseconds each, back to back. With a fork-join pool the calling thread blocked in
 * {@code invoke} while the pool's workers ran the chunks, and every op paid two thread wake-ups
 * (workers parked between ops, then the caller parked until the last chunk finished). In a VM a
 * wake-up costs tens of microseconds, so the workers sat idle 60% of the time and two threads ran
 * LeNet-5's convolutions no faster than one. Here instead:
 * <ul>
 *   <li>the caller works too: it publishes the job, then takes chunks like any helper;</li>
 *   <li>{@code threads − 1} helper threads stay awake for a short while ({@link #SPIN_NANOS}) after a
 *       job before parking, so the next op of the step finds them awake. Past the first
 *       {@link #PURE_SPIN_NANOS} they wait with {@code Thread.yield()}: on a machine shared with other
 *       processes a pure spin took the core the caller needed, and two threads ran slower than one;</li>
 *   <li>chunks are handed out by an atomic counter, and the caller spins (then parks) only until
 *       the chunks already taken are finished.</li>
 * </ul>
 * One job runs at a time: a call made while another thread's job is in flight, or from inside a
 * body, runs on the calling thread (correct, only not parallel), so nesting cannot deadlock.
 */
public final class Parallel {
    /** A body over the half-open index range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static final int THREADS = configuredThreads();
    /** How long an idle helper (and a waiting caller) stays awake before parking, and how much of that is a pure spin. */
    private static final long SPIN_NANOS = 200_000, PURE_SPIN_NANOS = 10_000;
    /** Set while a job is in flight; the thread that set it is the job's caller. */
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    /** The job helpers should join, or null between jobs. */
    private static final AtomicReference<Job> CURRENT = new AtomicReference<>();
    private static final Thread[] HELPERS = startHelpers();
    /** True on helper threads and on a caller while it runs a job, so nested calls run inline. */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);

    private Parallel() {
    }

    /** Worker threads in use (1 means everything runs on the caller). */
    public static int threads() {
        return THREADS;
    }

    /**
     * Threads a {@link #forRange} started here would use: 1 inside a running body, where nested loops
     * run inline, else {@link #threads()}. Work split for more threads than that only pays for the split
     * (a nested GEMM planned for two tasks packed its A twice).
     */
    public static int threadsAvailable() {
        return THREADS == 1 || INSIDE.get()[0] ? 1 : THREADS;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of at least {@code grain} indices, in parallel
     * when there is more than one chunk. Returns when all chunks are done; an exception in any
     * chunk is rethrown here (chunks not yet started are skipped).
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int g = Math.max(1, grain);
        if (THREADS == 1 || n <= g) {
            body.run(0, n);
            return;
        }
        boolean[] inside = INSIDE.get();
        if (inside[0] || !BUSY.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        inside[0] = true;
        try {
            Job job = new Job(body, n, Math.min(THREADS * 4, (n + g - 1) / g), Thread.currentThread());
            CURRENT.set(job);
            for (Thread h : HELPERS) LockSupport.unpark(h);
            job.work();
            CURRENT.compareAndSet(job, null);
            job.awaitDone();
            job.rethrow();
        } finally {
            inside[0] = false;
            BUSY.set(false);
        }
    }

    /** One {@link #forRange} call: chunks handed out by a counter, completion counted down. */
    private static final class Job {
        final RangeBody body;
        final int n, chunks;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger remaining;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(RangeBody body, int n, int chunks, Thread caller) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.caller = caller;
            this.remaining = new AtomicInteger(chunks);
        }

        /** Takes chunks until none are left. */
        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    if (failure.get() == null) body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (remaining.decrementAndGet() == 0) LockSupport.unpark(caller);
                }
            }
        }

        /** Spins (yielding, Note [Parallel hand-off]), then parks, until every chunk has finished. */
        void awaitDone() {
            long start = System.nanoTime();
            while (remaining.get() > 0) {
                long waited = System.nanoTime() - start;
                if (waited < PURE_SPIN_NANOS) Thread.onSpinWait();
                else if (waited < SPIN_NANOS) Thread.yield();
                else LockSupport.parkNanos(this, 100_000);
            }
        }

        void rethrow() {
            Throwable t = failure.get();
            if (t == null) return;
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            throw new IllegalStateException("parallel body failed", t);
        }
    }

    private static Thread[] startHelpers() {
        Thread[] helpers = new Thread[Math.max(0, THREADS - 1)];
        for (int i = 0; i < helpers.length; i++) {
            Thread t = new Thread(Parallel::helperLoop, "dendrite-cpu-" + (i + 1));
            t.setDaemon(true);
            helpers[i] = t;
            t.start();
        }
        return helpers;
    }

    /** A helper: joins each published job; between jobs spins for {@link #SPIN_NANOS}, then parks. */
    private static void helperLoop() {
        INSIDE.get()[0] = true;
        Job last = null;
        long idleSince = System.nanoTime();
        while (true) {
            Job job = CURRENT.get();
            if (job != null && job != last) {
                last = job;
                job.work();
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < PURE_SPIN_NANOS) {
                Thread.onSpinWait();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.yield();
            } else {
                LockSupport.park(Parallel.class);
            }
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
