package dev.dendrite.cpu.gemm;

import dev.dendrite.cpu.Parallel;
import java.util.Arrays;

/**
 * The blocked, packed single-precision GEMM around a {@link FloatMicroKernel}. Arguments are assumed valid
 * ({@link Gemm} checks them); see {@link Gemm#sgemm} for the contract.
 *
 * <p>Note [GEMM blocking]: the classic Goto/BLIS loop nest. For each {@code nc}-wide block of columns and
 * each {@code kc}-deep slice of k, B is packed into micro-panels {@code [kc][nr]}; for each {@code mc}-tall
 * block of rows A is packed into micro-panels {@code [kc][mr]}; then every {@code mr×nr} tile of C is one
 * micro-kernel call whose inner loop reads both panels with unit stride. Packing is where the transposes
 * are resolved, so there is a single micro-kernel. The {@code mc×kc} block of A stays in L2 and each
 * {@code kc×nr} micro-panel of B is reused across all row tiles of the block (the {@code jr} loop is
 * outside the {@code ir} loop); sizes per kernel in Note [Vector GEMM blocking]. The kernel always
 * computes a whole tile into a scratch buffer (Note [Kernel epilogue apart]) and at the edges only its
 * valid part is merged into C, so it never needs masks. The padding rows and columns of the panels only
 * feed discarded tile entries; they are zeroed anyway so that stale NaN or subnormal values (slow on
 * some CPUs) never enter the FMAs. beta is applied with the first k slice only; later slices
 * accumulate ({@code beta = 1}).
 *
 * <p>Note [Packing B once]: a recurrent network multiplies by the same weight at every time step, with
 * only 32-odd rows of A each time, so packing B (0.15-0.65 ns per element) cost as much as the product
 * itself. {@link #pack} packs the whole of {@code op(B)} once into exactly the layout {@link #block}
 * builds per block (same k slices, panels in column order), and the packed overload only changes where
 * {@link #block} finds its micro-panels.
 */
final class SgemmDriver {
    private SgemmDriver() {
    }

    /** Per-thread packing buffers, grown on demand and reused, so steady-state calls allocate nothing large. */
    private static final class Workspace {
        float[] a = new float[0];
        float[] b = new float[0];
        float[] tile = new float[0];
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);
    /** Transposing B panels with vector scatters (Note [Scattered transposing pack] in VectorGemmKernel; see Note [Loading the vector kernel] in Gemm). */
    private static final boolean VECTOR_PACK = Gemm.isVectorized();

    static void sgemm(FloatMicroKernel kernel, boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        run(kernel, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, null, beta, c, cOff, ldc);
    }

    /** As {@link #sgemm} with op(B) already packed (Note [Packing B once]). */
    static void sgemm(FloatMicroKernel kernel, boolean transA, int m, float alpha, float[] a, int aOff, int lda,
                      PackedFloatB b, float beta, float[] c, int cOff, int ldc) {
        b.data(); // fails fast on a closed b, before any early return
        if (m == 0 || b.n() == 0) return;
        if (b.k() == 0 || alpha == 0f) {
            scale(m, b.n(), beta, c, cOff, ldc);
            return;
        }
        run(kernel, transA, false, m, b.n(), b.k(), alpha, a, aOff, lda, null, 0, 0, b, beta, c, cOff, ldc);
    }

    private static void run(FloatMicroKernel kernel, boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb, PackedFloatB packed,
                            float beta, float[] c, int cOff, int ldc) {
        GemmBlocking bl = kernel.blocking();
        GemmPartition part = GemmPartition.plan(transA, transB, packed != null, m, n, k, bl, Parallel.threadsAvailable());
        if (part.tasks() == 1) {
            block(kernel, bl, transA, transB, 0, m, 0, n, k, alpha, a, aOff, lda, b, bOff, ldb, packed, beta, c, cOff, ldc);
            return;
        }
        Parallel.forRange(part.tasks(), 1, (from, to) -> {
            for (int t = from; t < to; t++)
                block(kernel, bl, transA, transB, part.rowStart(t), part.rowEnd(t), part.colStart(t), part.colEnd(t),
                        k, alpha, a, aOff, lda, b, bOff, ldb, packed, beta, c, cOff, ldc);
        });
    }

    /**
     * Packs all of {@code op(B)[k,n]} the way {@link #block} would pack it piece by piece: the k slices
     * one after another, slice {@code s} (depth {@code kc}, starting at row {@code pc}) at offset
     * {@code pc·nPad}, its micro-panels as in {@link #packB}.
     */
    static PackedFloatB pack(GemmBlocking bl, boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        int kcMax = k == 0 ? 0 : ceilDiv(k, ceilDiv(k, bl.kc()));
        int nPad = roundUp(n, bl.nr());
        // Every element is written below (panel padding included), so the pool's old contents do not matter.
        float[] data = dev.dendrite.cpu.ScratchArrays.floats(nPad * k);
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            packB(transB, b, bOff, ldb, pc, kc, 0, n, bl.nr(), data, pc * nPad);
        }
        return new PackedFloatB(data, k, n, nPad, bl);
    }

    /** {@code C = beta · C}; with {@code beta == 0} C is cleared without being read. */
    static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                Arrays.fill(c, row, row + n, 0f);
            } else {
                for (int j = row; j < row + n; j++) c[j] *= beta;
            }
        }
    }

    /** Computes rows {@code [i0,i1)} × columns {@code [j0,j1)} of C on the calling thread. */
    private static void block(FloatMicroKernel kernel, GemmBlocking bl, boolean transA, boolean transB,
                              int i0, int i1, int j0, int j1, int k, float alpha,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb, PackedFloatB packed,
                              float beta, float[] c, int cOff, int ldc) {
        int mr = bl.mr(), nr = bl.nr();
        // Equal k slices (k = 513 → 257 + 256, not 512 + 1) so that no slice is too shallow to pay for its C update.
        int kcMax = ceilDiv(k, ceilDiv(k, bl.kc()));
        int mcMax = Math.min(bl.mc(), roundUp(i1 - i0, mr));
        int ncMax = Math.min(bl.nc(), roundUp(j1 - j0, nr));
        Workspace ws = WORKSPACE.get();
        if (ws.a.length < mcMax * kcMax) ws.a = new float[mcMax * kcMax];
        if (packed == null && ws.b.length < ncMax * kcMax) ws.b = new float[ncMax * kcMax];
        if (ws.tile.length < mr * nr) ws.tile = new float[mr * nr];
        float[] ap = ws.a, bp = packed == null ? ws.b : packed.data(), tile = ws.tile;

        for (int jc = j0; jc < j1; jc += bl.nc()) {
            int nc = Math.min(bl.nc(), j1 - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                float betaK = pc == 0 ? beta : 1f;
                // Offset of this block's first micro-panel: 0 in the scratch, or where pack() put it.
                int bBlock = packed == null ? 0 : pc * packed.nPad() + jc * kc;
                if (packed == null) packB(transB, b, bOff, ldb, pc, kc, jc, nc, nr, bp, 0);
                for (int ic = i0; ic < i1; ic += bl.mc()) {
                    int mc = Math.min(bl.mc(), i1 - ic);
                    packA(transA, a, aOff, lda, ic, mc, pc, kc, mr, ap);
                    int cBlock = cOff + ic * ldc + jc;
                    for (int jr = 0; jr < nc; jr += nr) {
                        int nv = Math.min(nr, nc - jr);
                        int bo = bBlock + jr * kc;
                        for (int ir = 0; ir < mc; ir += mr) {
                            int mv = Math.min(mr, mc - ir);
                            int ao = ir * kc;
                            int co = cBlock + ir * ldc + jr;
                            if (mv == mr) kernel.multiply(kc, ap, ao, bp, bo, tile);
                            else kernel.multiplyRows(kc, ap, ao, bp, bo, tile, mv);
                            if (nv == nr) kernel.update(tile, alpha, betaK, c, co, ldc, mv);
                            else mergeTile(tile, nr, mv, nv, alpha, betaK, c, co, ldc);
                        }
                    }
                }
            }
        }
    }

    /** The valid {@code mv×nv} corner of an edge tile: {@code C = alpha · tile + beta · C}. */
    private static void mergeTile(float[] tile, int nr, int mv, int nv, float alpha, float beta, float[] c, int co, int ldc) {
        for (int i = 0; i < mv; i++) {
            int t = i * nr, ci = co + i * ldc;
            if (beta == 0f) {
                for (int j = 0; j < nv; j++) c[ci + j] = alpha * tile[t + j];
            } else {
                for (int j = 0; j < nv; j++) c[ci + j] = alpha * tile[t + j] + beta * c[ci + j];
            }
        }
    }

    /**
     * Packs {@code op(A)[ic:ic+mc, pc:pc+kc]} into micro-panels of {@code mr} rows: element (i, p) of panel
     * {@code r} goes to {@code ap[r·mr·kc + p·mr + i]}; rows past {@code mc} are zero.
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, int mr, float[] ap) {
        for (int r0 = 0; r0 < mc; r0 += mr) {
            int rows = Math.min(mr, mc - r0);
            int base = r0 * kc;
            if (transA) {
                // stored [k, m]: the mr values for one p are contiguous
                int src = aOff + pc * lda + ic + r0;
                for (int p = 0; p < kc; p++, src += lda) {
                    int dst = base + p * mr;
                    System.arraycopy(a, src, ap, dst, rows);
                    if (rows < mr) Arrays.fill(ap, dst + rows, dst + mr, 0f);
                }
            } else {
                // stored [m, k]: each row is contiguous along p; write it with stride mr
                for (int i = 0; i < rows; i++) {
                    int src = aOff + (ic + r0 + i) * lda + pc;
                    int dst = base + i;
                    for (int p = 0; p < kc; p++) ap[dst + p * mr] = a[src + p];
                }
                for (int i = rows; i < mr; i++) {
                    int dst = base + i;
                    for (int p = 0; p < kc; p++) ap[dst + p * mr] = 0f;
                }
            }
        }
    }

    /**
     * Packs {@code op(B)[pc:pc+kc, jc:jc+nc]} into micro-panels of {@code nr} columns: element (p, j) of
     * panel {@code s} goes to {@code bp[s·nr·kc + p·nr + j]}; columns past {@code nc} are zero.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, int nr, float[] bp, int bpOff) {
        for (int j0 = 0; j0 < nc; j0 += nr) {
            int cols = Math.min(nr, nc - j0);
            int base = bpOff + j0 * kc;
            if (!transB) {
                // stored [k, n]: the nr values for one p are contiguous
                int src = bOff + pc * ldb + jc + j0;
                for (int p = 0; p < kc; p++, src += ldb) {
                    int dst = base + p * nr;
                    System.arraycopy(b, src, bp, dst, cols);
                    if (cols < nr) Arrays.fill(bp, dst + cols, dst + nr, 0f);
                }
            } else if (cols == nr && VECTOR_PACK && VectorGemmKernel.packsTransposedPanels(nr)) {
                VectorGemmKernel.packTransposedPanel(b, bOff + (jc + j0) * ldb + pc, ldb, kc, bp, base);
            } else {
                // stored [n, k]: each column of op(B) is a contiguous row of b; write it with stride nr
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (jc + j0 + j) * ldb + pc;
                    int dst = base + j;
                    for (int p = 0; p < kc; p++) bp[dst + p * nr] = b[src + p];
                }
                for (int j = cols; j < nr; j++) {
                    int dst = base + j;
                    for (int p = 0; p < kc; p++) bp[dst + p * nr] = 0f;
                }
            }
        }
    }

    /** {@link #pack} from a {@link Gemm.RowSource}: per k slice and micro-panel, one call for its kc rows. */
    static PackedFloatB pack(GemmBlocking bl, int k, int n, Gemm.RowSource source) {
        int nr = bl.nr();
        int kcMax = k == 0 ? 0 : ceilDiv(k, ceilDiv(k, bl.kc()));
        int nPad = roundUp(n, nr);
        float[] data = dev.dendrite.cpu.ScratchArrays.floats(nPad * k);
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            for (int j0 = 0; j0 < n; j0 += nr) {
                int cols = Math.min(nr, n - j0), base = pc * nPad + j0 * kc;
                source.rows(pc, kc, j0, cols, data, base, nr);
                if (cols < nr)
                    for (int p = 0; p < kc; p++) Arrays.fill(data, base + p * nr + cols, base + (p + 1) * nr, 0f);
            }
        }
        return new PackedFloatB(data, k, n, nPad, bl);
    }

    private static int roundUp(int x, int step) {
        return (x + step - 1) / step * step;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
