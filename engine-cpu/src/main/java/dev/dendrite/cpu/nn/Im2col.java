package dev.dendrite.cpu.nn;

import java.util.Arrays;

/**
 * The column matrix of Note [Convolution as GEMM] (in {@link Conv2dKernels}) and its adjoint, for
 * one image and one group, built one tile of output rows at a time. Per tap the valid output
 * columns come precomputed from {@link ConvGeometry}, so rows are copied with
 * {@code System.arraycopy} when the stride is 1 and only the padding is zero-filled.
 */
final class Im2col {
    private Im2col() {
    }

    // ---- float ---------------------------------------------------------------------------

    /**
     * Writes rows {@code (c, r, s)} of the column matrix for one image and one group:
     * {@code col[(c·R + r)·S + s][(p − p0)·Q + q] = x[c, p·sh − ph + r·dh, q·sw − pw + s·dw]} (zero
     * outside the input) for output rows {@code p0 ≤ p < p0 + rows}. The matrix is
     * {@code [C/G·R·S, rows·Q]}, row-major from index 0 of {@code col}.
     *
     * @param xOff offset of the group's first input plane
     */
    static void im2col(float[] x, int xOff, ConvGeometry g, int p0, int rows, float[] col) {
        int nb = rows * g.q, row = 0;
        for (int c = 0; c < g.cg; c++) {
            int plane = xOff + c * g.hw;
            for (int r = 0; r < g.r; r++) {
                for (int s = 0; s < g.s; s++, row++) {
                    int qlo = g.qLo[s], qhi = g.qHi[s], off = s * g.dw - g.pw;
                    for (int pp = 0; pp < rows; pp++) {
                        int dst = row * nb + pp * g.q;
                        int ih = (p0 + pp) * g.sh - g.ph + r * g.dh;
                        if (ih < 0 || ih >= g.h) {
                            Arrays.fill(col, dst, dst + g.q, 0);
                            continue;
                        }
                        // The padding is a column or two: plain loops, where Arrays.fill's call cost 9% of a 3×3 convolution.
                        for (int i = dst; i < dst + qlo; i++) col[i] = 0;
                        int src = plane + ih * g.w + off;
                        if (g.sw == 1) {
                            System.arraycopy(x, src + qlo, col, dst + qlo, qhi - qlo);
                        } else {
                            for (int qq = qlo; qq < qhi; qq++) col[dst + qq] = x[src + qq * g.sw];
                        }
                        for (int i = dst + qhi; i < dst + g.q; i++) col[i] = 0;
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #im2col}: adds every column-matrix entry into the input position it
     * was read from. {@code dx} must hold the group's planes already initialised (zeroed).
     */
    static void col2im(float[] col, ConvGeometry g, int p0, int rows, float[] dx, int dxOff) {
        int nb = rows * g.q;
        // Note [Three taps at once] (in DepthwiseConv2d): the three column-matrix rows of a kernel row
        // are added into an input row in one pass over its interior columns.
        boolean fused = g.s == 3 && g.sw == 1 && g.wIn0 < g.wIn1;
        for (int c = 0; c < g.cg; c++) {
            int plane = dxOff + c * g.hw;
            for (int r = 0; r < g.r; r++) {
                int row0 = (c * g.r + r) * g.s;
                for (int pp = 0; pp < rows; pp++) {
                    int ih = (p0 + pp) * g.sh - g.ph + r * g.dh;
                    if (ih < 0 || ih >= g.h) continue;
                    int src = row0 * nb + pp * g.q, dst = plane + ih * g.w;
                    if (fused) {
                        int off0 = -g.pw, off1 = off0 + g.dw, off2 = off1 + g.dw;
                        int c0 = src - off0, c1 = src + nb - off1, c2 = src + 2 * nb - off2;
                        for (int iw = g.wIn0; iw < g.wIn1; iw++) dx[dst + iw] += col[c0 + iw] + col[c1 + iw] + col[c2 + iw];
                        for (int s = 0; s < 3; s++) {
                            int off = off0 + s * g.dw, cs = src + s * nb, ds = dst + off;
                            for (int qq = g.qLo[s]; qq < g.wIn0 - off; qq++) dx[ds + qq] += col[cs + qq];
                            for (int qq = g.wIn1 - off; qq < g.qHi[s]; qq++) dx[ds + qq] += col[cs + qq];
                        }
                        continue;
                    }
                    for (int s = 0; s < g.s; s++) {
                        int qlo = g.qLo[s], qhi = g.qHi[s], cs = src + s * nb, ds = dst + s * g.dw - g.pw;
                        if (g.sw == 1) {
                            for (int qq = qlo; qq < qhi; qq++) dx[ds + qq] += col[cs + qq];
                        } else {
                            for (int qq = qlo; qq < qhi; qq++) dx[ds + qq * g.sw] += col[cs + qq];
                        }
                    }
                }
            }
        }
    }

    // ---- double: the float code above with the element type changed -----------------------

    /**
     * Writes rows {@code (c, r, s)} of the column matrix for one image and one group:
     * {@code col[(c·R + r)·S + s][(p − p0)·Q + q] = x[c, p·sh − ph + r·dh, q·sw − pw + s·dw]} (zero
     * outside the input) for output rows {@code p0 ≤ p < p0 + rows}. The matrix is
     * {@code [C/G·R·S, rows·Q]}, row-major from index 0 of {@code col}.
     *
     * @param xOff offset of the group's first input plane
     */
    static void im2col(double[] x, int xOff, ConvGeometry g, int p0, int rows, double[] col) {
        int nb = rows * g.q, row = 0;
        for (int c = 0; c < g.cg; c++) {
            int plane = xOff + c * g.hw;
            for (int r = 0; r < g.r; r++) {
                for (int s = 0; s < g.s; s++, row++) {
                    int qlo = g.qLo[s], qhi = g.qHi[s], off = s * g.dw - g.pw;
                    for (int pp = 0; pp < rows; pp++) {
                        int dst = row * nb + pp * g.q;
                        int ih = (p0 + pp) * g.sh - g.ph + r * g.dh;
                        if (ih < 0 || ih >= g.h) {
                            Arrays.fill(col, dst, dst + g.q, 0);
                            continue;
                        }
                        // The padding is a column or two: plain loops, where Arrays.fill's call cost 9% of a 3×3 convolution.
                        for (int i = dst; i < dst + qlo; i++) col[i] = 0;
                        int src = plane + ih * g.w + off;
                        if (g.sw == 1) {
                            System.arraycopy(x, src + qlo, col, dst + qlo, qhi - qlo);
                        } else {
                            for (int qq = qlo; qq < qhi; qq++) col[dst + qq] = x[src + qq * g.sw];
                        }
                        for (int i = dst + qhi; i < dst + g.q; i++) col[i] = 0;
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #im2col}: adds every column-matrix entry into the input position it
     * was read from. {@code dx} must hold the group's planes already initialised (zeroed).
     */
    static void col2im(double[] col, ConvGeometry g, int p0, int rows, double[] dx, int dxOff) {
        int nb = rows * g.q;
        // Note [Three taps at once] (in DepthwiseConv2d): the three column-matrix rows of a kernel row
        // are added into an input row in one pass over its interior columns.
        boolean fused = g.s == 3 && g.sw == 1 && g.wIn0 < g.wIn1;
        for (int c = 0; c < g.cg; c++) {
            int plane = dxOff + c * g.hw;
            for (int r = 0; r < g.r; r++) {
                int row0 = (c * g.r + r) * g.s;
                for (int pp = 0; pp < rows; pp++) {
                    int ih = (p0 + pp) * g.sh - g.ph + r * g.dh;
                    if (ih < 0 || ih >= g.h) continue;
                    int src = row0 * nb + pp * g.q, dst = plane + ih * g.w;
                    if (fused) {
                        int off0 = -g.pw, off1 = off0 + g.dw, off2 = off1 + g.dw;
                        int c0 = src - off0, c1 = src + nb - off1, c2 = src + 2 * nb - off2;
                        for (int iw = g.wIn0; iw < g.wIn1; iw++) dx[dst + iw] += col[c0 + iw] + col[c1 + iw] + col[c2 + iw];
                        for (int s = 0; s < 3; s++) {
                            int off = off0 + s * g.dw, cs = src + s * nb, ds = dst + off;
                            for (int qq = g.qLo[s]; qq < g.wIn0 - off; qq++) dx[ds + qq] += col[cs + qq];
                            for (int qq = g.wIn1 - off; qq < g.qHi[s]; qq++) dx[ds + qq] += col[cs + qq];
                        }
                        continue;
                    }
                    for (int s = 0; s < g.s; s++) {
                        int qlo = g.qLo[s], qhi = g.qHi[s], cs = src + s * nb, ds = dst + s * g.dw - g.pw;
                        if (g.sw == 1) {
                            for (int qq = qlo; qq < qhi; qq++) dx[ds + qq] += col[cs + qq];
                        } else {
                            for (int qq = qlo; qq < qhi; qq++) dx[ds + qq * g.sw] += col[cs + qq];
                        }
                    }
                }
            }
        }
    }
}
