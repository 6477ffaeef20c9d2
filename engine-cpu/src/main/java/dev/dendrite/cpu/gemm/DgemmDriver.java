package dev.dendrite.cpu.gemm;

import dev.dendrite.cpu.Parallel;
import java.util.Arrays;

/**
 * The blocked, packed double-precision GEMM around a {@link DoubleMicroKernel}. Arguments are assumed valid
 * ({@link Gemm} checks them); see {@link Gemm#dgemm} for the contract.
 *
 * <p>Line for line the double twin of {@link SgemmDriver}; see Note [GEMM blocking] there. The two are
 * kept separate because Java generics cannot abstract over {@code float[]} and {@code double[]} without
 * boxing or a copy.
 */
final class DgemmDriver {
    private DgemmDriver() {
    }

    /** Per-thread packing buffers, grown on demand and reused, so steady-state calls allocate nothing large. */
    private static final class Workspace {
        double[] a = new double[0];
        double[] b = new double[0];
        double[] tile = new double[0];
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    static void dgemm(DoubleMicroKernel kernel, boolean transA, boolean transB, int m, int n, int k, double alpha,
                      double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                      double beta, double[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0.0) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        GemmBlocking bl = kernel.blocking();
        GemmPartition part = GemmPartition.plan(transA, transB, m, n, k, bl);
        if (part.tasks() == 1) {
            block(kernel, bl, transA, transB, 0, m, 0, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        Parallel.forRange(part.tasks(), 1, (from, to) -> {
            for (int t = from; t < to; t++)
                block(kernel, bl, transA, transB, part.rowStart(t), part.rowEnd(t), part.colStart(t), part.colEnd(t),
                        k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        });
    }

    /** {@code C = beta · C}; with {@code beta == 0} C is cleared without being read. */
    static void scale(int m, int n, double beta, double[] c, int cOff, int ldc) {
        if (beta == 1.0) return;
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0.0) {
                Arrays.fill(c, row, row + n, 0.0);
            } else {
                for (int j = row; j < row + n; j++) c[j] *= beta;
            }
        }
    }

    /** Computes rows {@code [i0,i1)} × columns {@code [j0,j1)} of C on the calling thread. */
    private static void block(DoubleMicroKernel kernel, GemmBlocking bl, boolean transA, boolean transB,
                              int i0, int i1, int j0, int j1, int k, double alpha,
                              double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                              double beta, double[] c, int cOff, int ldc) {
        int mr = bl.mr(), nr = bl.nr();
        // Equal k slices (k = 513 → 257 + 256, not 512 + 1) so that no slice is too shallow to pay for its C update.
        int kcMax = ceilDiv(k, ceilDiv(k, bl.kc()));
        int mcMax = Math.min(bl.mc(), roundUp(i1 - i0, mr));
        int ncMax = Math.min(bl.nc(), roundUp(j1 - j0, nr));
        Workspace ws = WORKSPACE.get();
        if (ws.a.length < mcMax * kcMax) ws.a = new double[mcMax * kcMax];
        if (ws.b.length < ncMax * kcMax) ws.b = new double[ncMax * kcMax];
        if (ws.tile.length < mr * nr) ws.tile = new double[mr * nr];
        double[] ap = ws.a, bp = ws.b, tile = ws.tile;

        for (int jc = j0; jc < j1; jc += bl.nc()) {
            int nc = Math.min(bl.nc(), j1 - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                double betaK = pc == 0 ? beta : 1.0;
                packB(transB, b, bOff, ldb, pc, kc, jc, nc, nr, bp);
                for (int ic = i0; ic < i1; ic += bl.mc()) {
                    int mc = Math.min(bl.mc(), i1 - ic);
                    packA(transA, a, aOff, lda, ic, mc, pc, kc, mr, ap);
                    int cBlock = cOff + ic * ldc + jc;
                    for (int jr = 0; jr < nc; jr += nr) {
                        int nv = Math.min(nr, nc - jr);
                        int bo = jr * kc;
                        for (int ir = 0; ir < mc; ir += mr) {
                            int mv = Math.min(mr, mc - ir);
                            int ao = ir * kc;
                            int co = cBlock + ir * ldc + jr;
                            kernel.multiply(kc, ap, ao, bp, bo, tile);
                            if (nv == nr) kernel.update(tile, alpha, betaK, c, co, ldc, mv);
                            else mergeTile(tile, nr, mv, nv, alpha, betaK, c, co, ldc);
                        }
                    }
                }
            }
        }
    }

    /** The valid {@code mv×nv} corner of an edge tile: {@code C = alpha · tile + beta · C}. */
    private static void mergeTile(double[] tile, int nr, int mv, int nv, double alpha, double beta, double[] c, int co, int ldc) {
        for (int i = 0; i < mv; i++) {
            int t = i * nr, ci = co + i * ldc;
            if (beta == 0.0) {
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
    static void packA(boolean transA, double[] a, int aOff, int lda, int ic, int mc, int pc, int kc, int mr, double[] ap) {
        for (int r0 = 0; r0 < mc; r0 += mr) {
            int rows = Math.min(mr, mc - r0);
            int base = r0 * kc;
            if (transA) {
                // stored [k, m]: the mr values for one p are contiguous
                int src = aOff + pc * lda + ic + r0;
                for (int p = 0; p < kc; p++, src += lda) {
                    int dst = base + p * mr;
                    System.arraycopy(a, src, ap, dst, rows);
                    if (rows < mr) Arrays.fill(ap, dst + rows, dst + mr, 0.0);
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
                    for (int p = 0; p < kc; p++) ap[dst + p * mr] = 0.0;
                }
            }
        }
    }

    /**
     * Packs {@code op(B)[pc:pc+kc, jc:jc+nc]} into micro-panels of {@code nr} columns: element (p, j) of
     * panel {@code s} goes to {@code bp[s·nr·kc + p·nr + j]}; columns past {@code nc} are zero.
     */
    static void packB(boolean transB, double[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, int nr, double[] bp) {
        for (int j0 = 0; j0 < nc; j0 += nr) {
            int cols = Math.min(nr, nc - j0);
            int base = j0 * kc;
            if (!transB) {
                // stored [k, n]: the nr values for one p are contiguous
                int src = bOff + pc * ldb + jc + j0;
                for (int p = 0; p < kc; p++, src += ldb) {
                    int dst = base + p * nr;
                    System.arraycopy(b, src, bp, dst, cols);
                    if (cols < nr) Arrays.fill(bp, dst + cols, dst + nr, 0.0);
                }
            } else {
                // stored [n, k]: each column of op(B) is a contiguous row of b; write it with stride nr
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (jc + j0 + j) * ldb + pc;
                    int dst = base + j;
                    for (int p = 0; p < kc; p++) bp[dst + p * nr] = b[src + p];
                }
                for (int j = cols; j < nr; j++) {
                    int dst = base + j;
                    for (int p = 0; p < kc; p++) bp[dst + p * nr] = 0.0;
                }
            }
        }
    }

    private static int roundUp(int x, int step) {
        return (x + step - 1) / step * step;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
