package dev.dendrite.cpu;

import dev.dendrite.DType;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Heap arrays of freed tensors, kept for the next allocation of the same dtype and length.
 *
 * <p>Note [Storage reuse]: a training step allocates the same tensors every step (LeNet-5: about
 * 10 MB of activations and gradients). As fresh Java arrays they came from an ever-advancing young
 * generation hundreds of megabytes long, so every allocation wrote cold memory (page faults while
 * the heap grew, cache misses after) and step times varied by half from run to run. Tensors are
 * freed deterministically ({@code MemoryScope}, {@code close()}), so the backend can take the
 * array back and hand it to the next request of the same size, still warm in cache. A reused array
 * keeps its old contents: {@code Backend.allocate} promises uninitialised storage (as
 * {@code cudaMalloc} does), and every kernel writes all of its output. Clearing it cost a tenth of a
 * LeNet-5 step. {@code -Ddendrite.cpu.reuseStorage=poison} fills reused arrays with NaN (integers
 * with their minimum) instead, so that a test suite run with it shows any kernel that reads an
 * output before writing it; {@code false} turns reuse off.
 *
 * <p>The pool holds at most {@link #MAX_BYTES} (a quarter of the heap, at most 512 MiB) and
 * {@link #MAX_PER_SIZE} arrays of one size; arrays below {@link #MIN_LENGTH} elements are not kept
 * (allocating them is cheaper than the bookkeeping).
 */
final class CpuStoragePool {
    private static final String MODE = System.getProperty("dendrite.cpu.reuseStorage", "true").trim().toLowerCase(java.util.Locale.ROOT);
    static final boolean ENABLED = !MODE.equals("false");
    /** Fill reused arrays with NaN / the integer minimum (Note [Storage reuse]). */
    static final boolean POISON = MODE.equals("poison");
    static final int MIN_LENGTH = 1024;
    static final int MAX_PER_SIZE = 16;
    static final long MAX_BYTES = Math.min(512L << 20, Runtime.getRuntime().maxMemory() / 4);

    /** Free arrays by {@link #key}; a map on primitive keys, since boxing a Long per allocation was garbage on the hot path. */
    private final FreeLists free = new FreeLists();
    private long pooledBytes;

    private static long key(DType dtype, int length) {
        return ((long) dtype.ordinal() << 32) | length;
    }

    /** An array of the dtype and length from the pool (old contents, or poison), or null when it has none. */
    Object take(DType dtype, int length) {
        if (!ENABLED || length < MIN_LENGTH) return null;
        Object a;
        synchronized (this) {
            ArrayDeque<Object> q = free.get(key(dtype, length), false);
            a = q == null ? null : q.pollLast();
            if (a == null) return null;
            pooledBytes -= (long) length * dtype.byteSize();
        }
        if (POISON) poison(a);
        return a;
    }

    /** Keeps a freed storage's array for reuse, if there is room. */
    void give(CpuStorage s) {
        give(s.dtype, s.array, s.length);
    }

    /** Keeps a freed array of the dtype's element type and {@code length} elements, if there is room. */
    void give(DType dtype, Object array, int length) {
        if (!ENABLED || length < MIN_LENGTH) return;
        long bytes = (long) length * dtype.byteSize();
        synchronized (this) {
            if (pooledBytes + bytes > MAX_BYTES) return;
            ArrayDeque<Object> q = free.get(key(dtype, length), true);
            if (q.size() >= MAX_PER_SIZE) return;
            q.addLast(array);
            pooledBytes += bytes;
        }
    }

    /** Bytes held for reuse. */
    synchronized long pooledBytes() {
        return pooledBytes;
    }

    private static void poison(Object a) {
        if (a instanceof float[] f) Arrays.fill(f, Float.NaN);
        else if (a instanceof double[] d) Arrays.fill(d, Double.NaN);
        else if (a instanceof int[] i) Arrays.fill(i, Integer.MIN_VALUE);
        else Arrays.fill((long[]) a, Long.MIN_VALUE);
    }

    /** Open addressing from a key of {@link #key} to its free list; lists are created on demand and never removed. */
    private static final class FreeLists {
        private long[] keys = new long[64];
        private Object[] lists = new Object[64];
        private int size;

        @SuppressWarnings("unchecked")
        ArrayDeque<Object> get(long key, boolean create) {
            int mask = keys.length - 1;
            for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
                if (lists[i] == null) {
                    if (!create) return null;
                    if (2 * (size + 1) > keys.length) {
                        grow();
                        return get(key, true);
                    }
                    keys[i] = key;
                    lists[i] = new ArrayDeque<>();
                    size++;
                    return (ArrayDeque<Object>) lists[i];
                }
                if (keys[i] == key) return (ArrayDeque<Object>) lists[i];
            }
        }

        private void grow() {
            long[] oldKeys = keys;
            Object[] oldLists = lists;
            keys = new long[oldKeys.length * 2];
            lists = new Object[oldLists.length * 2];
            int mask = keys.length - 1;
            for (int j = 0; j < oldKeys.length; j++) {
                if (oldLists[j] == null) continue;
                int i = mix(oldKeys[j]) & mask;
                while (lists[i] != null) i = (i + 1) & mask;
                keys[i] = oldKeys[j];
                lists[i] = oldLists[j];
            }
        }

        private static int mix(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }
}
