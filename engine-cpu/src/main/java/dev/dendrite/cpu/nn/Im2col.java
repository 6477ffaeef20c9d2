package dev.dendrite.cpu.nn;

import java.util.Arrays;

/**
 * The column matrix of Note [Convolution as GEMM] (in {@link Conv2dKernels}) and its adjoint, for
 * one image and one group, built one tile of output rows at a time. Per tap the valid output
 * columns come precomputed from {@link ConvGeometry}, so rows are copied with
 * {@code System.arraycopy} when the stride is 1 and only the padding is zero-filled. In float the
 * matrix is only ever packed straight into the GEMM ({@link #columns}); the double path, the
 * reference the float results are tested against, still builds it ({@link #im2col}).
 */
final class Im2col {
    private Im2col() {
    }

    // ---- float ---------------------------------------------------------------------------

    /**
     * Note [Column matrix packed from its source]: the float forward convolution never stores the
     * column matrix; the GEMM packs its panels straight from x through this method ({@code Gemm.RowSource}),
     * which saves writing the matrix (C/G·R·S·rows·Q floats, megabytes, beyond L2) and reading it back.
     *
     * <p>Writes rows {@code k0 .. k0 + count} (taps {@code (c, r, s)} in the order of {@link #im2col}) and
     * columns {@code [j0, j0 + width)} (output pixels of the tile starting at output row {@code firstRow})
     * of the column matrix, row i to {@code dst[dstOff + i·stride ..]}.
     */
    static void columns(float[] x, int xOff, ConvGeometry g, int firstRow, int k0, int count, int j0, int width,
                        float[] dst, int dstOff, int stride) {
        int rs = g.r * g.s;
        int c = k0 / rs, r = k0 % rs / g.s, s = k0 % g.s;
        int oh0 = firstRow + j0 / g.q, ow0 = j0 % g.q;
        for (int i = 0; i < count; i++) {
            int plane = xOff + c * g.hw, d = dstOff + i * stride;
            int qlo = g.qLo[s], qhi = g.qHi[s], shift = s * g.dw - g.pw;
            int oh = oh0, ow = ow0;
            for (int done = 0; done < width; ) {
                int seg = Math.min(width - done, g.q - ow);   // the pixels left in this output row
                int ih = oh * g.sh - g.ph + r * g.dh, lo = Math.max(ow, qlo), hi = Math.min(ow + seg, qhi);
                int at = d + done - ow;                         // where output column 0 of this row would go
                if (ih < 0 || ih >= g.h || lo >= hi) {
                    for (int e = d + done; e < d + done + seg; e++) dst[e] = 0;
                } else {
                    for (int e = d + done; e < at + lo; e++) dst[e] = 0;
                    int src = plane + ih * g.w + shift;
                    if (g.sw == 1) System.arraycopy(x, src + lo, dst, at + lo, hi - lo);
                    else for (int qq = lo; qq < hi; qq++) dst[at + qq] = x[src + qq * g.sw];
                    for (int e = at + hi; e < d + done + seg; e++) dst[e] = 0;
                }
                done += seg;
                ow = 0;
                oh++;
            }
            if (++s == g.s) {
                s = 0;
                if (++r == g.r) {
                    r = 0;
                    c++;
                }
            }
        }
    }

    /**
     * The adjoint of the column matrix: adds every column-matrix entry into the input position it
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

    // ---- double: the reference paths build the column matrix --------------------------------

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
