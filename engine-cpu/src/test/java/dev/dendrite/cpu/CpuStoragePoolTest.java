package dev.dendrite.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.dendrite.DType;
import org.junit.jupiter.api.Test;

/** Note [Storage reuse]: what the pool keeps, for whom, and its limits. */
class CpuStoragePoolTest {
    @Test
    void aFreedArrayServesTheNextRequestOfTheSameDtypeAndLength() {
        CpuStoragePool pool = new CpuStoragePool();
        CpuStorage s = new CpuStorage(DType.FLOAT32, 4096);
        pool.give(s);
        assertEquals(4096L * 4, pool.pooledBytes());
        assertNull(pool.take(DType.FLOAT32, 4095), "another length");
        assertNull(pool.take(DType.INT32, 4096), "another dtype of the same byte size");
        assertSame(s.array, pool.take(DType.FLOAT32, 4096));
        assertNull(pool.take(DType.FLOAT32, 4096), "handed out once");
        assertEquals(0, pool.pooledBytes());
    }

    /** Hundreds of distinct sizes and all four dtypes (the key table grows several times): each request finds its own array. */
    @Test
    void manyDistinctSizesEachGetTheirOwnArrayBack() {
        CpuStoragePool pool = new CpuStoragePool();
        CpuStorage[][] given = new CpuStorage[DType.values().length][300];
        for (DType t : DType.values())
            for (int i = 0; i < 300; i++) {
                given[t.ordinal()][i] = new CpuStorage(t, 1024 + 7 * i);
                pool.give(given[t.ordinal()][i]);
            }
        for (DType t : DType.values())
            for (int i = 299; i >= 0; i--) {
                assertSame(given[t.ordinal()][i].array, pool.take(t, 1024 + 7 * i), t + " length " + (1024 + 7 * i));
                assertNull(pool.take(t, 1024 + 7 * i), "handed out once");
            }
        assertEquals(0, pool.pooledBytes());
    }

    @Test
    void smallArraysAndOverflowAreLeftToTheGarbageCollector() {
        CpuStoragePool pool = new CpuStoragePool();
        pool.give(new CpuStorage(DType.FLOAT64, CpuStoragePool.MIN_LENGTH - 1));
        assertEquals(0, pool.pooledBytes());
        CpuStorage[] many = new CpuStorage[CpuStoragePool.MAX_PER_SIZE + 3];
        for (int i = 0; i < many.length; i++) {
            many[i] = new CpuStorage(DType.INT64, 2048);
            pool.give(many[i]);
        }
        assertEquals((long) CpuStoragePool.MAX_PER_SIZE * 2048 * 8, pool.pooledBytes());
        // Last in, first out: the most recently freed (warmest) array comes back first.
        assertSame(many[CpuStoragePool.MAX_PER_SIZE - 1].array, pool.take(DType.INT64, 2048));
    }

    @Test
    void theBackendHandsAFreedTensorsArrayToTheNextAllocation() {
        CpuBackend backend = new CpuBackend();
        CpuStorage a = (CpuStorage) backend.allocate(DType.FLOAT32, 10_000);
        backend.free(a);
        CpuStorage b = (CpuStorage) backend.allocate(DType.FLOAT32, 10_000);
        assertSame(a.array, b.array);
        assertNotSame(a, b);
        backend.free(b);
    }
}
