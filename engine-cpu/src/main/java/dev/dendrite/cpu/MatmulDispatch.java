package dev.dendrite.cpu;

import dev.dendrite.cpu.gemm.Gemm;
import dev.dendrite.spi.View;

/**
 * Maps a batched, possibly strided or broadcast matmul onto row-major GEMM calls without copies
 * when each matrix is row-major or column-major (a transposed view), copying only otherwise.
 */
final class MatmulDispatch {
    private MatmulDispatch() {
    }

    /** How one operand's matrices sit in memory: leading dimension and whether GEMM should transpose it. */
    private record Layout(Object array, int baseOffset, int[] batchStrides, int ld, boolean trans) {
    }

    private static Layout layout(View v, boolean trans, int batchRank) {
        int rows = v.shape()[v.rank() - 2], cols = v.shape()[v.rank() - 1];
        int rs = v.strides()[v.rank() - 2], cs = v.strides()[v.rank() - 1];
        int[] bst = java.util.Arrays.copyOf(v.strides(), batchRank);
        // In place only when the other stride is a real leading dimension (at least the row length, or
        // unused for a single row): a broadcast (stride-0) row or column, from expand(), must be copied.
        if ((cs == 1 || cols == 1) && (rows == 1 || rs >= Math.max(cols, 1)))
            return new Layout(CpuBackend.array(v), v.offset(), bst, Math.max(Math.max(rs, cols), 1), trans);
        if ((rs == 1 || rows == 1) && (cols == 1 || cs >= Math.max(rows, 1)))
            return new Layout(CpuBackend.array(v), v.offset(), bst, Math.max(Math.max(cs, rows), 1), !trans);
        // Neither layout fits: copy each batch's matrix densely (keeps broadcast batch strides).
        CpuBackend.Dense d = CpuBackend.Dense.of(v);
        int[] dense = v.shapeObject().contiguousStrides();
        int[] dbst = java.util.Arrays.copyOf(dense, batchRank);
        for (int i = 0; i < batchRank; i++) if (v.strides()[i] == 0) dbst[i] = 0;
        return new Layout(d.array(), d.offset(), dbst, cols, trans);
    }

    static void matmul(View a, boolean transA, View b, boolean transB, View c) {
        int rank = c.rank(), batchRank = rank - 2;
        int m = c.shape()[rank - 2], n = c.shape()[rank - 1];
        int k = transA ? a.shape()[rank - 2] : a.shape()[rank - 1];
        Layout la = layout(a, transA, batchRank), lb = layout(b, transB, batchRank);
        int batches = 1;
        for (int i = 0; i < batchRank; i++) batches *= c.shape()[i];
        Object ca = CpuBackend.array(c);
        int[] cShape = c.shape();
        long work = (long) m * n * Math.max(k, 1);
        // Many small products: parallel over the batch; few large ones: GEMM parallelises inside.
        int grain = work >= 64L * 64 * 64 ? batches : Math.max(1, (int) ((1L << 18) / Math.max(1, work)));
        Parallel.forRange(batches, grain, (from, to) -> {
            for (int bi = from; bi < to; bi++) {
                int aOff = la.baseOffset(), bOff = lb.baseOffset(), cOff = c.offset() + bi * m * n;
                int rem = bi;
                for (int d = batchRank - 1; d >= 0; d--) {
                    int idx = rem % cShape[d];
                    rem /= cShape[d];
                    aOff += idx * la.batchStrides()[d];
                    bOff += idx * lb.batchStrides()[d];
                }
                if (ca instanceof float[] cf)
                    Gemm.sgemm(la.trans(), lb.trans(), m, n, k, 1f, (float[]) la.array(), aOff, la.ld(), (float[]) lb.array(), bOff,
                            lb.ld(), 0f, cf, cOff, Math.max(n, 1));
                else
                    Gemm.dgemm(la.trans(), lb.trans(), m, n, k, 1.0, (double[]) la.array(), aOff, la.ld(), (double[]) lb.array(), bOff,
                            lb.ld(), 0.0, (double[]) ca, cOff, Math.max(n, 1));
            }
        });
    }
}
