package dev.dendrite.cpu.gemm;

import dev.dendrite.cpu.Parallel;

/**
 * How one GEMM is cut into independent tasks: a grid of {@code mParts × nParts} blocks of C, each computed
 * by one task with its own packing buffers.
 *
 * <p>Note [GEMM threading]: each task owns a block of C and packs the rows of A and the columns of B it
 * needs itself, so tasks never wait on each other (no barrier after a shared packing step). The price is
 * packing A {@code nParts} times and B {@code mParts} times. Packing is not free next to the vector
 * kernel: measured per element, about 0.45 ns for A stored {@code [m,k]} (a transposing copy), 0.3 ns for
 * A stored {@code [k,m]}, 0.15 ns for B stored {@code [k,n]} and 0.65 ns for B stored {@code [n,k]},
 * against about 0.01 ns per multiply-add; so among the grids with one task per thread we pick the one
 * with the least packing time (weights 3, 2, 1, 4), e.g. 1024³ on two threads splits the rows, not the
 * columns. More tasks than threads (for work stealing on a busy machine) measured slower on 2 cores: the
 * extra packing cost more than the balancing gained. Work below {@link #MIN_FMAS_PER_TASK} per task is
 * not worth a hand-off to the pool.
 */
record GemmPartition(int mParts, int nParts, int rowStep, int colStep, int m, int n) {
    /** About 100³ multiply-adds (≈ 10-20 µs on the vector path); smaller tasks would be dominated by the fork-join hand-off. */
    static final long MIN_FMAS_PER_TASK = 1L << 20;

    /** Partitions {@code C[m,n]} for {@code k}-deep products on {@link Parallel#threads()} workers, aligned to the register tile. */
    static GemmPartition plan(boolean transA, boolean transB, int m, int n, int k, GemmBlocking bl) {
        return plan(transA, transB, m, n, k, bl, Parallel.threads());
    }

    static GemmPartition plan(boolean transA, boolean transB, int m, int n, int k, GemmBlocking bl, int threads) {
        long fmas = (long) m * n * k;
        int maxTasks = (int) Math.max(1, Math.min(threads, fmas / MIN_FMAS_PER_TASK));
        int packA = transA ? 2 : 3, packB = transB ? 4 : 1;
        int mTiles = ceilDiv(m, bl.mr()), nTiles = ceilDiv(n, bl.nr());
        for (int t = maxTasks; t > 1; t--) {
            int bestM = 0;
            double bestCost = Double.MAX_VALUE;
            for (int mp = 1; mp <= t; mp++) {
                if (t % mp != 0) continue;
                int np = t / mp;
                if (mp > mTiles || np > nTiles) continue;
                // packing time relative to the product: A is packed np times, B mp times
                double cost = packA * (double) np / n + packB * (double) mp / m;
                if (cost < bestCost) {
                    bestCost = cost;
                    bestM = mp;
                }
            }
            if (bestM > 0) return new GemmPartition(bestM, t / bestM, bl.mr(), bl.nr(), m, n);
        }
        return new GemmPartition(1, 1, bl.mr(), bl.nr(), m, n);
    }

    int tasks() {
        return mParts * nParts;
    }

    /** First row of task {@code t}'s block (task order is row-major over the grid). */
    int rowStart(int t) {
        return bound(t / nParts, mParts, m, rowStep);
    }

    int rowEnd(int t) {
        return bound(t / nParts + 1, mParts, m, rowStep);
    }

    int colStart(int t) {
        return bound(t % nParts, nParts, n, colStep);
    }

    int colEnd(int t) {
        return bound(t % nParts + 1, nParts, n, colStep);
    }

    /** Boundary {@code part} of {@code parts} over {@code size}, on a multiple of {@code step} so only the last block has a partial tile. */
    private static int bound(int part, int parts, int size, int step) {
        if (part >= parts) return size;
        int tiles = ceilDiv(size, step);
        return (int) Math.min(size, (long) tiles * part / parts * step);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
