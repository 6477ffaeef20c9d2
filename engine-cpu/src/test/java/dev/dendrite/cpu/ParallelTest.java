package dev.dendrite.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The hand-off of Note [Parallel hand-off]: coverage, exceptions, nesting and concurrent callers. */
class ParallelTest {
    private static void assertEachIndexOnce(AtomicIntegerArray hits, int n) {
        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n);
    }

    @Test
    void everyIndexRunsExactlyOnce() {
        for (int n : new int[]{0, 1, 7, 64, 1000, 100_003})
            for (int grain : new int[]{1, 3, 1000}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                Parallel.forRange(n, grain, (from, to) -> {
                    assertTrue(from < to, "empty chunk [" + from + ", " + to + ")");
                    for (int i = from; i < to; i++) hits.incrementAndGet(i);
                });
                assertEachIndexOnce(hits, n);
            }
    }

    /** Inside a body (caller or helper) a nested loop would run inline, so only one thread is available there. */
    @Test
    void threadsAvailableIsOneInsideABody() {
        assertEquals(Parallel.threads(), Parallel.threadsAvailable());
        AtomicIntegerArray seen = new AtomicIntegerArray(64);
        Parallel.forRange(64, 1, (from, to) -> {
            for (int i = from; i < to; i++) seen.set(i, Parallel.threadsAvailable());
        });
        for (int i = 0; i < 64; i++) assertEquals(1, seen.get(i), "index " + i);
        assertEquals(Parallel.threads(), Parallel.threadsAvailable(), "back to all threads after the loop");
    }

    @Test
    void anExceptionInAChunkIsRethrownToTheCaller() {
        IllegalStateException e = new IllegalStateException("chunk failed");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Parallel.forRange(1000, 1, (from, to) -> {
            if (from <= 500 && 500 < to) throw e;
        }));
        assertSame(e, thrown);
        // The pool is usable afterwards.
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        Parallel.forRange(100, 1, (from, to) -> {
            for (int i = from; i < to; i++) hits.incrementAndGet(i);
        });
        assertEachIndexOnce(hits, 100);
    }

    @Test
    void nestedCallsRunOnTheCallingThread() {
        int n = 50, inner = 40;
        AtomicIntegerArray hits = new AtomicIntegerArray(n * inner);
        Parallel.forRange(n, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                int row = i;
                Thread outer = Thread.currentThread();
                Parallel.forRange(inner, 1, (a, b) -> {
                    assertSame(outer, Thread.currentThread(), "a nested call left its thread");
                    for (int j = a; j < b; j++) hits.incrementAndGet(row * inner + j);
                });
            }
        });
        assertEachIndexOnce(hits, n * inner);
    }

    @Test
    void concurrentCallersBothFinish() throws InterruptedException {
        int n = 200_000;
        AtomicIntegerArray a = new AtomicIntegerArray(n), b = new AtomicIntegerArray(n);
        Thread other = new Thread(() -> {
            for (int rep = 0; rep < 20; rep++) {
                int r = rep;
                Parallel.forRange(n / 20, 100, (from, to) -> {
                    for (int i = from; i < to; i++) a.incrementAndGet(r * (n / 20) + i);
                });
            }
        });
        other.start();
        for (int rep = 0; rep < 20; rep++) {
            int r = rep;
            Parallel.forRange(n / 20, 100, (from, to) -> {
                for (int i = from; i < to; i++) b.incrementAndGet(r * (n / 20) + i);
            });
        }
        other.join();
        assertEachIndexOnce(a, n);
        assertEachIndexOnce(b, n);
    }
}
