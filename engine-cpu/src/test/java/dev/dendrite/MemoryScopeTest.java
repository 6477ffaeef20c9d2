package dev.dendrite;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deterministic release of tensors by scopes, and the byte accounting that shows it. */
class MemoryScopeTest {
    private static MemoryStats stats() {
        return Tensor.memoryStats(Engine.backend("cpu"));
    }

    @Test
    void tensorsCreatedInsideAreFreedAtCloseAndUseAfterCloseThrows() {
        Tensor inside;
        Tensor view;
        MemoryScope scope = MemoryScope.open();
        int line = new Throwable().getStackTrace()[0].getLineNumber() - 1;
        try (scope) {
            assertSame(scope, MemoryScope.current());
            inside = Tensor.ones(Shape.of(2, 3), DType.FLOAT64);
            view = inside.transpose(0, 1);
            assertFalse(inside.isClosed());
        }
        assertNull(MemoryScope.current());
        assertTrue(inside.isClosed());
        assertTrue(view.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, inside::toDoubleArray);
        assertEquals("tensor [2, 3] float64 was used after its MemoryScope opened at MemoryScopeTest.java:" + line
                + " closed (keep it with MemoryScope.keep(tensor) to use it outside the scope)", e.getMessage());
        assertTrue(assertThrows(IllegalStateException.class, () -> view.add(1)).getMessage().startsWith("tensor [3, 2] float64 was used after its MemoryScope"));
        assertThrows(IllegalStateException.class, () -> inside.reshape(6));
        assertEquals("tensor [2, 3] float64 was used after close() (keep it with MemoryScope.keep(tensor) to use it outside the scope)",
                assertThrows(IllegalStateException.class, () -> {
                    Tensor t = Tensor.zeros(Shape.of(2, 3), DType.FLOAT64);
                    t.close();
                    t.sum();
                }).getMessage());
    }

    @Test
    void keepMovesATensorToTheEnclosingScope() {
        Tensor kept, temp, keptOuter;
        try (MemoryScope outer = MemoryScope.open()) {
            try (MemoryScope inner = MemoryScope.open()) {
                assertSame(inner, MemoryScope.current());
                Tensor x = Tensor.ones(Shape.of(4), DType.FLOAT32);
                temp = x.mul(3);
                kept = MemoryScope.keep(temp.add(1));
            }
            assertSame(outer, MemoryScope.current());
            assertTrue(temp.isClosed());
            assertFalse(kept.isClosed());
            assertArrayEquals(new float[]{4, 4, 4, 4}, kept.toFloatArray());
            keptOuter = MemoryScope.keep(kept.mul(2));
        }
        assertTrue(kept.isClosed(), "kept once: it belonged to the outer scope");
        assertFalse(keptOuter.isClosed(), "kept out of the top scope: it belongs to no scope");
        assertArrayEquals(new float[]{8, 8, 8, 8}, keptOuter.toFloatArray());
        keptOuter.close();
    }

    @Test
    void releaseTakesATensorOutOfEveryScope() {
        Tensor released;
        try (MemoryScope outer = MemoryScope.open()) {
            try (MemoryScope inner = MemoryScope.open()) {
                released = MemoryScope.release(Tensor.zeros(3));
            }
        }
        assertFalse(released.isClosed());
        released.close();
        assertTrue(released.isClosed());
    }

    @Test
    void closingAnOuterScopeFirstIsRefused() {
        MemoryScope outer = MemoryScope.open();
        MemoryScope inner = MemoryScope.open();
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().endsWith("closed while an inner scope is still open (close inner scopes first)"), e.getMessage());
        assertTrue(e.getMessage().startsWith("MemoryScope opened at MemoryScopeTest.java:"), e.getMessage());
        inner.close();
        outer.close();
        outer.close(); // idempotent
        assertNull(MemoryScope.current());
    }

    @Test
    void liveBytesGoBackDownAndPeakRemembersTheHighWaterMark() {
        MemoryStats stats = stats();
        long before = stats.liveBytes(), storagesBefore = stats.liveStorages();
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor a = Tensor.zeros(Shape.of(1000), DType.FLOAT64);
            assertEquals(before + 8000, stats.liveBytes());
            assertEquals(storagesBefore + 1, stats.liveStorages());
            Tensor b = Tensor.zeros(Shape.of(250), DType.INT32);
            assertEquals(before + 9000, stats.liveBytes());
            Tensor v = a.reshape(10, 100).transpose(0, 1);
            assertEquals(before + 9000, stats.liveBytes(), "views share storage");
            Tensor c = v.contiguous();
            assertEquals(before + 17000, stats.liveBytes());
            assertTrue(stats.peakBytes() >= before + 17000);
            a.close();
            assertEquals(before + 17000, stats.liveBytes(), "the views still hold a's storage");
        }
        assertEquals(before, stats.liveBytes());
        assertEquals(storagesBefore, stats.liveStorages());
        assertTrue(stats.toString().startsWith("live " + before + " B in " + storagesBefore + " storages, peak "), stats.toString());
    }

    @Test
    void opsInsideAScopeFreeAllTheirTemporaries() {
        MemoryStats stats = stats();
        long before = stats.liveBytes();
        Tensor w = Tensor.randn(Shape.of(8, 4), 1, DType.FLOAT32);
        Tensor out;
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor x = Tensor.rand(Shape.of(16, 8), 2, DType.FLOAT32);
            Tensor h = x.matmul(w).relu().softmax(-1).sum(new int[]{0}, false).variance(null, true, false);
            out = MemoryScope.keep(h);
        }
        assertEquals(before + 32 * 4 + 4, stats.liveBytes(), "w and the kept scalar are all that is left");
        out.close();
        w.close();
        assertEquals(before, stats.liveBytes());
    }

    @Test
    void closingATensorTwiceOrAfterItsScopeIsHarmless() {
        MemoryStats stats = stats();
        long before = stats.liveBytes();
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor t = Tensor.zeros(10);
            t.close();
            t.close();
        }
        assertEquals(before, stats.liveBytes());
    }

    @Test
    void strictScopePassesWhenEverythingIsFreedOrKept() {
        Tensor kept;
        try (MemoryScope strict = MemoryScope.openStrict()) {
            Tensor a = Tensor.ones(5);
            a.add(a).mul(2);
            kept = MemoryScope.keep(a.sum());
            try (MemoryScope inner = MemoryScope.open()) {
                Tensor p = MemoryScope.release(Tensor.zeros(3));
                p.close();
            }
        }
        assertEquals(5, kept.item());
        kept.close();
    }

    @Test
    void strictScopeDetectsAStorageThatOutlivesIt() throws Exception {
        Tensor[] escaped = new Tensor[1];
        MemoryScope strict = MemoryScope.openStrict();
        Tensor a = Tensor.ones(Shape.of(4), DType.FLOAT64);
        // A view made on a thread with no open scope belongs to no scope, so it keeps a's storage alive
        // after the scope frees a: the leak the strict scope exists to catch.
        Thread t = new Thread(() -> escaped[0] = a.reshape(2, 2));
        t.start();
        t.join();
        IllegalStateException e = assertThrows(IllegalStateException.class, strict::close);
        assertTrue(e.getMessage().startsWith("MemoryScope opened at MemoryScopeTest.java:"), e.getMessage());
        assertTrue(e.getMessage().endsWith(" leaked 32 bytes in 1 storage(s) still live after close; the first was allocated at the cause's stack trace"),
                e.getMessage());
        assertTrue(e.getCause() != null && e.getCause().getMessage().equals("allocated here"), String.valueOf(e.getCause()));
        boolean pointsHere = false;
        for (StackTraceElement el : e.getCause().getStackTrace()) pointsHere |= el.getMethodName().equals("strictScopeDetectsAStorageThatOutlivesIt");
        assertTrue(pointsHere, "the allocation site names this test");
        assertNull(MemoryScope.current(), "the scope is closed even though it reported a leak");
        assertTrue(a.isClosed());
        assertArrayEquals(new double[]{1, 1, 1, 1}, escaped[0].toDoubleArray());
        escaped[0].close();
    }

    @Test
    void compositeOpsOutsideAScopeLeaveNothingOnceTheirResultsAreClosed() {
        MemoryStats stats = stats();
        record Case(String name, java.util.function.Function<Tensor, Tensor> op) {
        }
        java.util.List<Case> cases = java.util.List.of(
                new Case("sum()", Tensor::sum), new Case("max over an axis", t -> t.max(new int[]{1}, false)),
                new Case("argmax", t -> t.argmax(1, false)), new Case("select", t -> t.select(1, 2)),
                new Case("stack", t -> Tensor.stack(java.util.List.of(t, t), 0)),
                new Case("variance", t -> t.variance(null, true, false)), new Case("L2 norm", t -> t.norm(new int[]{0}, false)),
                new Case("Linf norm", t -> t.norm(Double.POSITIVE_INFINITY, null, false)));
        for (Case c : cases) {
            long before = stats.liveBytes();
            Tensor x = Tensor.rand(Shape.of(4, 4), 3, DType.FLOAT64);
            Tensor y = c.op().apply(x);
            assertTrue(y.toString().startsWith("Tensor"));
            y.close();
            x.close();
            assertEquals(before, stats.liveBytes(), c.name() + " left storage behind: " + stats);
        }
        long before = stats.liveBytes();
        Tensor v = Tensor.rand(Shape.of(4), 1, DType.FLOAT32), m = Tensor.rand(Shape.of(4, 3), 2, DType.FLOAT32);
        Tensor vm = v.matmul(m), mv = m.transpose(0, 1).matmul(v), vv = v.matmul(v);
        Tensor s = Tensor.scalar(0.5, DType.FLOAT64), ss = s.softmax(0), ls = s.logSoftmax(-1);
        Tensor base = Tensor.rand(Shape.of(4, 4), 3, DType.FLOAT64), tr = base.transpose(0, 1), flat = tr.reshape(-1);
        for (Tensor t : new Tensor[]{vm, mv, vv, v, m, s, ss, ls, flat, tr, base}) t.close();
        assertEquals(before + 4 * 12, stats.liveBytes(), "only the transpose view this test made still holds m");
    }

    @Test
    void aBackwardPassInsideAStrictScopeLeaksNothing() {
        Tensor w = Tensor.rand(Shape.of(3, 2), 1, DType.FLOAT64).requiresGrad(true);
        try (MemoryScope strict = MemoryScope.openStrict()) {
            Tensor x = Tensor.rand(Shape.of(4, 3), 2, DType.FLOAT64);
            x.matmul(w).tanh().sum().backward();
        }
        assertEquals(Shape.of(3, 2), w.grad().shape(), "the gradient is released from the scope, not leaked");
        w.zeroGrad();
        w.close();
    }

    @Test
    void aScopeMustBeClosedOnItsOwnThread() throws Exception {
        MemoryScope scope = MemoryScope.open();
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                scope.close();
            } catch (Throwable e) {
                thrown[0] = e;
            }
        }, "other-thread");
        t.start();
        t.join();
        scope.close();
        assertTrue(thrown[0] instanceof IllegalStateException, String.valueOf(thrown[0]));
        assertTrue(thrown[0].getMessage().contains(" closed on thread other-thread but opened on " + Thread.currentThread().getName()),
                thrown[0].getMessage());
    }
}
