package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.Parallel;
import java.util.Arrays;

/**
 * Direct convolution kernels for groups == C (one input channel per group, output channel k reads
 * input channel {@code k / (K/C)}). Here im2col + GEMM would multiply matrices only R·S deep, so the
 * loops run over whole output rows instead: for each tap, a row of y gains {@code w · (a row of x)}
 * — with stride 1 a contiguous multiply-add the JIT vectorises. Forward and data gradient are
 * parallel over planes; the filter gradient over output channels. All three are deterministic.
 *
 * <p>Note [Three taps at once]: rows are short (tens of elements), so per-loop overhead and the
 * repeated load/store of the output row dominate. For the common 3-wide kernel with stride 1 the
 * three taps of a kernel row are fused into one loop over the columns where all three are in
 * bounds (precomputed in {@link ConvGeometry}); the few boundary columns then get each tap's
 * remaining range separately. Im2col's col2im uses the same scheme.
 */
final class DepthwiseConv2d {
    private DepthwiseConv2d() {
    }

    /** Planes per parallel chunk: enough multiply-adds to be worth a hand-off. */
    private static int planeGrain(ConvGeometry g) {
        return Conv2dKernels.grain((long) g.pq * g.r * g.s);
    }

    // ---- float ---------------------------------------------------------------------------

    /** {@link Conv2dKernels#forward} for groups == C, parallel over the N·K output planes. */
    static void forward(float[] x, int xOff, float[] w, int wOff, ConvGeometry g, float[] y, int yOff) {
        int mult = g.k / g.c;
        Parallel.forRange(g.n * g.k, planeGrain(g), (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int img = plane / g.k, kk = plane % g.k;
                int xp = xOff + (img * g.c + kk / mult) * g.hw, wp = wOff + kk * g.r * g.s, yp = yOff + plane * g.pq;
                Arrays.fill(y, yp, yp + g.pq, 0);
                for (int r = 0; r < g.r; r++) {
                    for (int pp = g.pLo[r]; pp < g.pHi[r]; pp++) {
                        int yrow = yp + pp * g.q;
                        int xrow = xp + (pp * g.sh - g.ph + r * g.dh) * g.w;
                        if (g.s == 3 && g.sw == 1 && g.qIn0 < g.qIn1) {
                            // Note [Three taps at once]
                            int wb = wp + r * 3, x0 = xrow - g.pw, x1 = x0 + g.dw, x2 = x1 + g.dw;
                            float w0 = w[wb], w1 = w[wb + 1], w2 = w[wb + 2];
                            for (int qq = g.qIn0; qq < g.qIn1; qq++)
                                y[yrow + qq] += w0 * x[x0 + qq] + w1 * x[x1 + qq] + w2 * x[x2 + qq];
                            for (int s = 0; s < 3; s++) {
                                float wv = w[wb + s];
                                int src = x0 + s * g.dw;
                                for (int qq = g.qLo[s]; qq < g.qIn0; qq++) y[yrow + qq] += wv * x[src + qq];
                                for (int qq = g.qIn1; qq < g.qHi[s]; qq++) y[yrow + qq] += wv * x[src + qq];
                            }
                            continue;
                        }
                        for (int s = 0; s < g.s; s++) {
                            float wv = w[wp + r * g.s + s];
                            int qlo = g.qLo[s], qhi = g.qHi[s], src = xrow + s * g.dw - g.pw;
                            if (g.sw == 1) {
                                for (int qq = qlo; qq < qhi; qq++) y[yrow + qq] += wv * x[src + qq];
                            } else {
                                for (int qq = qlo; qq < qhi; qq++) y[yrow + qq] += wv * x[src + qq * g.sw];
                            }
                        }
                    }
                }
            }
        });
    }

    /** {@link Conv2dKernels#backwardData} for groups == C, parallel over the N·C input planes (each gathers its K/C output channels). */
    static void backwardData(float[] dy, int dyOff, float[] w, int wOff, ConvGeometry g, float[] dx, int dxOff) {
        int mult = g.k / g.c;
        Parallel.forRange(g.n * g.c, planeGrain(g), (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int img = plane / g.c, ch = plane % g.c;
                int xp = dxOff + plane * g.hw;
                Arrays.fill(dx, xp, xp + g.hw, 0);
                for (int j = 0; j < mult; j++) {
                    int kk = ch * mult + j;
                    int yp = dyOff + (img * g.k + kk) * g.pq, wp = wOff + kk * g.r * g.s;
                    for (int r = 0; r < g.r; r++) {
                        for (int pp = g.pLo[r]; pp < g.pHi[r]; pp++) {
                            int yrow = yp + pp * g.q;
                            int xrow = xp + (pp * g.sh - g.ph + r * g.dh) * g.w;
                            if (g.s == 3 && g.sw == 1 && g.wIn0 < g.wIn1) {
                                // Note [Three taps at once], gathered per input column: iw = q + s·dw − pw
                                int wb = wp + r * 3, off0 = -g.pw, off1 = off0 + g.dw, off2 = off1 + g.dw;
                                float w0 = w[wb], w1 = w[wb + 1], w2 = w[wb + 2];
                                int d0 = yrow - off0, d1 = yrow - off1, d2 = yrow - off2;
                                for (int iw = g.wIn0; iw < g.wIn1; iw++)
                                    dx[xrow + iw] += w0 * dy[d0 + iw] + w1 * dy[d1 + iw] + w2 * dy[d2 + iw];
                                for (int s = 0; s < 3; s++) {
                                    float wv = w[wb + s];
                                    int off = off0 + s * g.dw, dst = xrow + off;
                                    for (int qq = g.qLo[s]; qq < g.wIn0 - off; qq++) dx[dst + qq] += wv * dy[yrow + qq];
                                    for (int qq = g.wIn1 - off; qq < g.qHi[s]; qq++) dx[dst + qq] += wv * dy[yrow + qq];
                                }
                                continue;
                            }
                            for (int s = 0; s < g.s; s++) {
                                float wv = w[wp + r * g.s + s];
                                int qlo = g.qLo[s], qhi = g.qHi[s], dst = xrow + s * g.dw - g.pw;
                                if (g.sw == 1) {
                                    for (int qq = qlo; qq < qhi; qq++) dx[dst + qq] += wv * dy[yrow + qq];
                                } else {
                                    for (int qq = qlo; qq < qhi; qq++) dx[dst + qq * g.sw] += wv * dy[yrow + qq];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Parallel over output channels, each summing over the whole batch in a fixed order, so the
     * result does not depend on the thread count. Products are accumulated position-wise in a row
     * buffer per tap ({@code acc[(r·S + s)·Q + q]}), which vectorises, and each row is summed at the end.
     */
    static void backwardFilter(float[] x, int xOff, float[] dy, int dyOff, ConvGeometry g, float[] dw, int dwOff) {
        int mult = g.k / g.c, taps = g.r * g.s;
        Parallel.forRange(g.k, 1, (from, to) -> {
            float[] acc = Conv2dKernels.COLUMNS.floats(taps * g.q);
            for (int kk = from; kk < to; kk++) {
                Arrays.fill(acc, 0, taps * g.q, 0);
                for (int img = 0; img < g.n; img++) {
                    int xp = xOff + (img * g.c + kk / mult) * g.hw, yp = dyOff + (img * g.k + kk) * g.pq;
                    for (int r = 0; r < g.r; r++) {
                        for (int pp = g.pLo[r]; pp < g.pHi[r]; pp++) {
                            int yrow = yp + pp * g.q;
                            int xrow = xp + (pp * g.sh - g.ph + r * g.dh) * g.w;
                            if (g.s == 3 && g.sw == 1 && g.qIn0 < g.qIn1) {
                                // Note [Three taps at once]: one load of dy feeds three accumulator rows
                                int a0 = r * 3 * g.q, a1 = a0 + g.q, a2 = a1 + g.q;
                                int x0 = xrow - g.pw, x1 = x0 + g.dw, x2 = x1 + g.dw;
                                for (int qq = g.qIn0; qq < g.qIn1; qq++) {
                                    float d = dy[yrow + qq];
                                    acc[a0 + qq] += d * x[x0 + qq];
                                    acc[a1 + qq] += d * x[x1 + qq];
                                    acc[a2 + qq] += d * x[x2 + qq];
                                }
                                for (int s = 0; s < 3; s++) {
                                    int a = a0 + s * g.q, src = x0 + s * g.dw;
                                    for (int qq = g.qLo[s]; qq < g.qIn0; qq++) acc[a + qq] += dy[yrow + qq] * x[src + qq];
                                    for (int qq = g.qIn1; qq < g.qHi[s]; qq++) acc[a + qq] += dy[yrow + qq] * x[src + qq];
                                }
                                continue;
                            }
                            for (int s = 0; s < g.s; s++) {
                                int a = (r * g.s + s) * g.q;
                                int qlo = g.qLo[s], qhi = g.qHi[s], src = xrow + s * g.dw - g.pw;
                                if (g.sw == 1) {
                                    for (int qq = qlo; qq < qhi; qq++) acc[a + qq] += dy[yrow + qq] * x[src + qq];
                                } else {
                                    for (int qq = qlo; qq < qhi; qq++) acc[a + qq] += dy[yrow + qq] * x[src + qq * g.sw];
                                }
                            }
                        }
                    }
                }
                for (int t = 0; t < taps; t++) {
                    float sum = 0;
                    for (int qq = 0; qq < g.q; qq++) sum += acc[t * g.q + qq];
                    dw[dwOff + kk * taps + t] = sum;
                }
            }
        });
    }

    // ---- double: the float code above with the element type changed -----------------------

    /** {@link Conv2dKernels#forward} for groups == C, parallel over the N·K output planes. */
    static void forward(double[] x, int xOff, double[] w, int wOff, ConvGeometry g, double[] y, int yOff) {
        int mult = g.k / g.c;
        Parallel.forRange(g.n * g.k, planeGrain(g), (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int img = plane / g.k, kk = plane % g.k;
                int xp = xOff + (img * g.c + kk / mult) * g.hw, wp = wOff + kk * g.r * g.s, yp = yOff + plane * g.pq;
                Arrays.fill(y, yp, yp + g.pq, 0);
                for (int r = 0; r < g.r; r++) {
                    for (int pp = g.pLo[r]; pp < g.pHi[r]; pp++) {
                        int yrow = yp + pp * g.q;
                        int xrow = xp + (pp * g.sh - g.ph + r * g.dh) * g.w;
                        if (g.s == 3 && g.sw == 1 && g.qIn0 < g.qIn1) {
                            // Note [Three taps at once]
                            int wb = wp + r * 3, x0 = xrow - g.pw, x1 = x0 + g.dw, x2 = x1 + g.dw;
                            double w0 = w[wb], w1 = w[wb + 1], w2 = w[wb + 2];
                            for (int qq = g.qIn0; qq < g.qIn1; qq++)
                                y[yrow + qq] += w0 * x[x0 + qq] + w1 * x[x1 + qq] + w2 * x[x2 + qq];
                            for (int s = 0; s < 3; s++) {
                                double wv = w[wb + s];
                                int src = x0 + s * g.dw;
                                for (int qq = g.qLo[s]; qq < g.qIn0; qq++) y[yrow + qq] += wv * x[src + qq];
                                for (int qq = g.qIn1; qq < g.qHi[s]; qq++) y[yrow + qq] += wv * x[src + qq];
                            }
                            continue;
                        }
                        for (int s = 0; s < g.s; s++) {
                            double wv = w[wp + r * g.s + s];
                            int qlo = g.qLo[s], qhi = g.qHi[s], src = xrow + s * g.dw - g.pw;
                            if (g.sw == 1) {
                                for (int qq = qlo; qq < qhi; qq++) y[yrow + qq] += wv * x[src + qq];
                            } else {
                                for (int qq = qlo; qq < qhi; qq++) y[yrow + qq] += wv * x[src + qq * g.sw];
                            }
                        }
                    }
                }
            }
        });
    }

    /** {@link Conv2dKernels#backwardData} for groups == C, parallel over the N·C input planes (each gathers its K/C output channels). */
    static void backwardData(double[] dy, int dyOff, double[] w, int wOff, ConvGeometry g, double[] dx, int dxOff) {
        int mult = g.k / g.c;
        Parallel.forRange(g.n * g.c, planeGrain(g), (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int img = plane / g.c, ch = plane % g.c;
                int xp = dxOff + plane * g.hw;
                Arrays.fill(dx, xp, xp + g.hw, 0);
                for (int j = 0; j < mult; j++) {
                    int kk = ch * mult + j;
                    int yp = dyOff + (img * g.k + kk) * g.pq, wp = wOff + kk * g.r * g.s;
                    for (int r = 0; r < g.r; r++) {
                        for (int pp = g.pLo[r]; pp < g.pHi[r]; pp++) {
                            int yrow = yp + pp * g.q;
                            int xrow = xp + (pp * g.sh - g.ph + r * g.dh) * g.w;
                            if (g.s == 3 && g.sw == 1 && g.wIn0 < g.wIn1) {
                                // Note [Three taps at once], gathered per input column: iw = q + s·dw − pw
                                int wb = wp + r * 3, off0 = -g.pw, off1 = off0 + g.dw, off2 = off1 + g.dw;
                                double w0 = w[wb], w1 = w[wb + 1], w2 = w[wb + 2];
                                int d0 = yrow - off0, d1 = yrow - off1, d2 = yrow - off2;
                                for (int iw = g.wIn0; iw < g.wIn1; iw++)
                                    dx[xrow + iw] += w0 * dy[d0 + iw] + w1 * dy[d1 + iw] + w2 * dy[d2 + iw];
                                for (int s = 0; s < 3; s++) {
                                    double wv = w[wb + s];
                                    int off = off0 + s * g.dw, dst = xrow + off;
                                    for (int qq = g.qLo[s]; qq < g.wIn0 - off; qq++) dx[dst + qq] += wv * dy[yrow + qq];
                                    for (int qq = g.wIn1 - off; qq < g.qHi[s]; qq++) dx[dst + qq] += wv * dy[yrow + qq];
                                }
                                continue;
                            }
                            for (int s = 0; s < g.s; s++) {
                                double wv = w[wp + r * g.s + s];
                                int qlo = g.qLo[s], qhi = g.qHi[s], dst = xrow + s * g.dw - g.pw;
                                if (g.sw == 1) {
                                    for (int qq = qlo; qq < qhi; qq++) dx[dst + qq] += wv * dy[yrow + qq];
                                } else {
                                    for (int qq = qlo; qq < qhi; qq++) dx[dst + qq * g.sw] += wv * dy[yrow + qq];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Parallel over output channels, each summing over the whole batch in a fixed order, so the
     * result does not depend on the thread count. Products are accumulated position-wise in a row
     * buffer per tap ({@code acc[(r·S + s)·Q + q]}), which vectorises, and each row is summed at the end.
     */
    static void backwardFilter(double[] x, int xOff, double[] dy, int dyOff, ConvGeometry g, double[] dw, int dwOff) {
        int mult = g.k / g.c, taps = g.r * g.s;
        Parallel.forRange(g.k, 1, (from, to) -> {
            double[] acc = Conv2dKernels.COLUMNS.doubles(taps * g.q);
            for (int kk = from; kk < to; kk++) {
                Arrays.fill(acc, 0, taps * g.q, 0);
                for (int img = 0; img < g.n; img++) {
                    int xp = xOff + (img * g.c + kk / mult) * g.hw, yp = dyOff + (img * g.k + kk) * g.pq;
                    for (int r = 0; r < g.r; r++) {
                        for (int pp = g.pLo[r]; pp < g.pHi[r]; pp++) {
                            int yrow = yp + pp * g.q;
                            int xrow = xp + (pp * g.sh - g.ph + r * g.dh) * g.w;
                            if (g.s == 3 && g.sw == 1 && g.qIn0 < g.qIn1) {
                                // Note [Three taps at once]: one load of dy feeds three accumulator rows
                                int a0 = r * 3 * g.q, a1 = a0 + g.q, a2 = a1 + g.q;
                                int x0 = xrow - g.pw, x1 = x0 + g.dw, x2 = x1 + g.dw;
                                for (int qq = g.qIn0; qq < g.qIn1; qq++) {
                                    double d = dy[yrow + qq];
                                    acc[a0 + qq] += d * x[x0 + qq];
                                    acc[a1 + qq] += d * x[x1 + qq];
                                    acc[a2 + qq] += d * x[x2 + qq];
                                }
                                for (int s = 0; s < 3; s++) {
                                    int a = a0 + s * g.q, src = x0 + s * g.dw;
                                    for (int qq = g.qLo[s]; qq < g.qIn0; qq++) acc[a + qq] += dy[yrow + qq] * x[src + qq];
                                    for (int qq = g.qIn1; qq < g.qHi[s]; qq++) acc[a + qq] += dy[yrow + qq] * x[src + qq];
                                }
                                continue;
                            }
                            for (int s = 0; s < g.s; s++) {
                                int a = (r * g.s + s) * g.q;
                                int qlo = g.qLo[s], qhi = g.qHi[s], src = xrow + s * g.dw - g.pw;
                                if (g.sw == 1) {
                                    for (int qq = qlo; qq < qhi; qq++) acc[a + qq] += dy[yrow + qq] * x[src + qq];
                                } else {
                                    for (int qq = qlo; qq < qhi; qq++) acc[a + qq] += dy[yrow + qq] * x[src + qq * g.sw];
                                }
                            }
                        }
                    }
                }
                for (int t = 0; t < taps; t++) {
                    double sum = 0;
                    for (int qq = 0; qq < g.q; qq++) sum += acc[t * g.q + qq];
                    dw[dwOff + kk * taps + t] = sum;
                }
            }
        });
    }
}
