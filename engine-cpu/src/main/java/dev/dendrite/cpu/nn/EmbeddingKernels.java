package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.Parallel;

/**
 * Embedding lookup and its gradient on contiguous arrays: weight {@code [V, D]}, indices
 * {@code [count]} (INT32 or INT64), rows {@code [count, D]}. Every index is checked against
 * {@code [0, V)} before anything is written.
 *
 * <p>Note [Deterministic embedding backward]
 * Repeated indices must add into the same weight row. Rather than racing threads on shared rows,
 * the backward pass counting-sorts the positions by index (stable, so each row's positions stay in
 * ascending order) and then splits the work over weight rows: every row is owned by one thread and
 * sums its positions in position order. The result is bitwise the same for any thread count, and
 * the zeroing of unused rows happens in the same pass. Float gradients are summed in double and
 * rounded once per element.
 */
public final class EmbeddingKernels {
    private static final int GRAIN = 1 << 15;

    private EmbeddingKernels() {
    }

    // ---- forward ----------------------------------------------------------------------------------

    /**
     * {@code rows[i, :] = weight[indices[i], :]} for {@code i < count}.
     *
     * @param weight table {@code [V, D]} at {@code wOff}
     * @param indices {@code [count]} at {@code iOff}
     * @param rows output {@code [count, D]} at {@code rOff}
     * @throws IllegalArgumentException for an index outside {@code [0, V)}
     */
    public static void forward(float[] weight, int wOff, int v, int d, long[] indices, int iOff, int count, float[] rows, int rOff) {
        int[] idx = checked("embedding", indices, iOff, count, v);
        gather(weight, wOff, d, idx, 0, count, rows, rOff);
    }

    /** As {@link #forward(float[], int, int, int, long[], int, int, float[], int)} with INT32 indices. */
    public static void forward(float[] weight, int wOff, int v, int d, int[] indices, int iOff, int count, float[] rows, int rOff) {
        check("embedding", indices, iOff, count, v);
        gather(weight, wOff, d, indices, iOff, count, rows, rOff);
    }

    /** As {@link #forward(float[], int, int, int, long[], int, int, float[], int)} in double precision. */
    public static void forward(double[] weight, int wOff, int v, int d, long[] indices, int iOff, int count, double[] rows, int rOff) {
        int[] idx = checked("embedding", indices, iOff, count, v);
        gather(weight, wOff, d, idx, 0, count, rows, rOff);
    }

    /** As {@link #forward(float[], int, int, int, long[], int, int, float[], int)} in double precision with INT32 indices. */
    public static void forward(double[] weight, int wOff, int v, int d, int[] indices, int iOff, int count, double[] rows, int rOff) {
        check("embedding", indices, iOff, count, v);
        gather(weight, wOff, d, indices, iOff, count, rows, rOff);
    }

    private static void gather(Object weight, int wOff, int d, int[] idx, int iOff, int count, Object rows, int rOff) {
        if (d == 0) return;
        Parallel.forRange(count, Math.max(1, GRAIN / d), (i0, i1) -> {
            for (int i = i0; i < i1; i++) System.arraycopy(weight, wOff + idx[iOff + i] * d, rows, rOff + i * d, d);
        });
    }

    // ---- backward ---------------------------------------------------------------------------------

    /**
     * {@code dweight = 0}, then {@code dweight[indices[i], :] += drows[i, :]} for every {@code i < count};
     * repeated indices accumulate. Deterministic (Note [Deterministic embedding backward]).
     *
     * @param indices {@code [count]} at {@code iOff}
     * @param drows gradient of the rows {@code [count, D]} at {@code dOff}
     * @param dweight output {@code [V, D]} at {@code dwOff}, fully overwritten
     * @throws IllegalArgumentException for an index outside {@code [0, V)}
     */
    public static void backward(long[] indices, int iOff, int count, float[] drows, int dOff, int v, int d, float[] dweight, int dwOff) {
        int[] idx = checked("embeddingBackward", indices, iOff, count, v);
        Buckets b = buckets(idx, 0, count, v);
        scatterAdd(b, drows, dOff, v, d, dweight, dwOff);
    }

    /** As {@link #backward(long[], int, int, float[], int, int, int, float[], int)} with INT32 indices. */
    public static void backward(int[] indices, int iOff, int count, float[] drows, int dOff, int v, int d, float[] dweight, int dwOff) {
        check("embeddingBackward", indices, iOff, count, v);
        Buckets b = buckets(indices, iOff, count, v);
        scatterAdd(b, drows, dOff, v, d, dweight, dwOff);
    }

    /** As {@link #backward(long[], int, int, float[], int, int, int, float[], int)} in double precision. */
    public static void backward(long[] indices, int iOff, int count, double[] drows, int dOff, int v, int d, double[] dweight, int dwOff) {
        int[] idx = checked("embeddingBackward", indices, iOff, count, v);
        Buckets b = buckets(idx, 0, count, v);
        scatterAdd(b, drows, dOff, v, d, dweight, dwOff);
    }

    /** As {@link #backward(long[], int, int, float[], int, int, int, float[], int)} in double precision with INT32 indices. */
    public static void backward(int[] indices, int iOff, int count, double[] drows, int dOff, int v, int d, double[] dweight, int dwOff) {
        check("embeddingBackward", indices, iOff, count, v);
        Buckets b = buckets(indices, iOff, count, v);
        scatterAdd(b, drows, dOff, v, d, dweight, dwOff);
    }

    /** Positions grouped by index: row r's positions are {@code order[start[r] .. start[r+1])}, ascending. */
    private record Buckets(int[] start, int[] order) {
    }

    private static Buckets buckets(int[] idx, int iOff, int count, int v) {
        int[] start = new int[v + 1];
        for (int i = 0; i < count; i++) start[idx[iOff + i] + 1]++;
        for (int r = 0; r < v; r++) start[r + 1] += start[r];
        int[] next = java.util.Arrays.copyOf(start, v);
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[next[idx[iOff + i]]++] = i;
        return new Buckets(start, order);
    }

    private static void scatterAdd(Buckets b, float[] drows, int dOff, int v, int d, float[] dweight, int dwOff) {
        if (d == 0) return;
        int[] start = b.start(), order = b.order();
        Parallel.forRange(v, Math.max(1, GRAIN / d), (r0, r1) -> {
            double[] acc = new double[d];
            for (int r = r0; r < r1; r++) {
                int lo = start[r], hi = start[r + 1], dst = dwOff + r * d;
                if (lo == hi) {
                    java.util.Arrays.fill(dweight, dst, dst + d, 0f);
                } else if (hi - lo == 1) {
                    System.arraycopy(drows, dOff + order[lo] * d, dweight, dst, d);
                } else {
                    java.util.Arrays.fill(acc, 0);
                    for (int k = lo; k < hi; k++) {
                        int src = dOff + order[k] * d;
                        for (int j = 0; j < d; j++) acc[j] += drows[src + j];
                    }
                    for (int j = 0; j < d; j++) dweight[dst + j] = (float) acc[j];
                }
            }
        });
    }

    private static void scatterAdd(Buckets b, double[] drows, int dOff, int v, int d, double[] dweight, int dwOff) {
        if (d == 0) return;
        int[] start = b.start(), order = b.order();
        Parallel.forRange(v, Math.max(1, GRAIN / d), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int lo = start[r], hi = start[r + 1], dst = dwOff + r * d;
                if (lo == hi) {
                    java.util.Arrays.fill(dweight, dst, dst + d, 0.0);
                    continue;
                }
                System.arraycopy(drows, dOff + order[lo] * d, dweight, dst, d);
                for (int k = lo + 1; k < hi; k++) {
                    int src = dOff + order[k] * d;
                    for (int j = 0; j < d; j++) dweight[dst + j] += drows[src + j];
                }
            }
        });
    }

    // ---- index checking ---------------------------------------------------------------------------

    private static void check(String op, int[] indices, int iOff, int count, int v) {
        for (int i = 0; i < count; i++) {
            int k = indices[iOff + i];
            if (k < 0 || k >= v) throw outOfRange(op, k, i, v);
        }
    }

    private static int[] checked(String op, long[] indices, int iOff, int count, int v) {
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) {
            long k = indices[iOff + i];
            if (k < 0 || k >= v) throw outOfRange(op, k, i, v);
            idx[i] = (int) k;
        }
        return idx;
    }

    private static IllegalArgumentException outOfRange(String op, long index, int position, int v) {
        return new IllegalArgumentException(op + ": index " + index + " at position " + position + " is out of range [0, " + v + ")");
    }
}
