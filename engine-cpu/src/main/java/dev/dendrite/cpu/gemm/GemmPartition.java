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
 * A stored {@code [k,m]}, 0.15 ns for B stored {@code [k,n]} and 0.65 ns for B stored {@code [n,k]} (0
 * when B was packed once in advance), against about 0.01 ns per multiply-add. Among the grids with one
 * task per thread we pick the one whose slowest task finishes first: its tile-rounded share of the
 * multiply-adds plus its packing, e.g. 1024³ on two threads splits the rows, and a [32, 1024] product
 * splits the columns (32 rows are only three register tiles, which two tasks cannot share evenly).
 * More tasks than threads (for work stealing on a busy machine) measured slower on 2 cores: the
 * extra packing cost more than the balancing gained. Work below {@link #MIN_FMAS_PER_TASK} per task is
 * not worth a hand-off to the pool.
 */
record GemmPartition(int mParts, int nParts, int rowStep, int colStep, int m, int n) {
    /** About 100³ multiply-adds (≈ 10-20 µs on the vector path); smaller tasks would be dominated by the fork-join hand-off. */
    static final long MIN_FMAS_PER_TASK = 1L << 20;
    /** Measured costs in ns (see the Note): one multiply-add, and packing one element of A or B by layout. */
    private static final double FMA_NS = 0.01, PACK_A_NS = 0.45, PACK_AT_NS = 0.3, PACK_B_NS = 0.15, PACK_BT_NS = 0.65;

    /** Partitions {@code C[m,n]} for {@code k}-deep products on {@link Parallel#threadsAvailable()} workers, aligned to the register tile. */
    static GemmPartition plan(boolean transA, boolean transB, int m, int n, int k, GemmBlocking bl) {
        return plan(transA, transB, false, m, n, k, bl, Parallel.threadsAvailable());
    }

    static GemmPartition plan(boolean transA, boolean transB, int m, int n, int k, GemmBlocking bl, int threads) {
        return plan(transA, transB, false, m, n, k, bl, threads);
    }

    /** As above; {@code bPacked}: B was packed in advance, so no task packs it. */
    static GemmPartition plan(boolean transA, boolean transB, boolean bPacked, int m, int n, int k, GemmBlocking bl, int threads) {
        long fmas = (long) m * n * k;
        int maxTasks = (int) Math.max(1, Math.min(threads, fmas / MIN_FMAS_PER_TASK));
        double packA = transA ? PACK_AT_NS : PACK_A_NS, packB = bPacked ? 0 : transB ? PACK_BT_NS : PACK_B_NS;
        int mTiles = ceilDiv(m, bl.mr()), nTiles = ceilDiv(n, bl.nr());
        for (int t = maxTasks; t > 1; t--) {
            int bestM = 0;
            double bestCost = Double.MAX_VALUE;
            for (int mp = 1; mp <= t; mp++) {
                if (t % mp != 0) continue;
                int np = t / mp;
                if (mp > mTiles || np > nTiles) continue;
                // the slowest task: the most tiles any task gets, times k
                double rows = (double) ceilDiv(mTiles, mp) * bl.mr(), cols = (double) ceilDiv(nTiles, np) * bl.nr();
                double cost = rows * cols * FMA_NS + rows * packA + cols * packB;
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
