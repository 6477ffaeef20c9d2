package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Direct float convolution for stride 1, one group and few channels (LeNet's 1→6 and 6→16 5×5
 * layers), on the Vector API. Only {@link Conv2dKernels} calls it, after {@code Gemm.isVectorized()}
 * and {@link #applies}; results match the im2col + GEMM path to float rounding (the sums run in
 * another order), as the textbook-oracle tests check.
 *
 * <p>Note [Direct convolution]: with C·R·S of 25 or 150 and K of 6 or 16, im2col + GEMM spends more
 * time building columns and packing than multiplying, and the depthwise loops (C = 1) run one
 * 28-wide row per tap. Here the input is first copied once into a zero-padded buffer, so that every
 * tap of every output position reads inside it and all loads are plain vector loads:
 * <ul>
 *   <li>forward: a register tile of 8 output channels × one vector of output columns; per tap one
 *       load of x and 8 FMAs with broadcast weights (weights re-laid out as {@code [K/8][C][R][S][8]},
 *       zero for the missing channels of the last block). Output columns go in chunks of L lanes,
 *       the last chunk shifted left to end at Q (it recomputes a few columns; stores overwrite);
 *       when Q &lt; L the tile goes through a small buffer;</li>
 *   <li>backward data (stride 1): the forward convolution of dy, padded by {@code dil·(k−1) − pad},
 *       with the weights transposed to {@code [C, K, R, S]} and flipped in r and s;</li>
 *   <li>backward filter: a register tile of 4 output channels × up to 5 taps of one kernel row,
 *       accumulated over the whole batch and reduced across lanes at the end. dy is copied into a
 *       buffer padded to whole vectors with zero columns and zero dummy channels, and x lanes past
 *       Q are masked to zero, so the padding adds exact zeros even when x holds ∞ or NaN. Each
 *       weight-gradient element is summed by one task in a fixed order, so the result does not
 *       depend on the thread count.</li>
 * </ul>
 */
final class DirectConv2d {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Output channels per forward register tile. */
    private static final int KB = 8;
    /** Output channels and taps per backward-filter register tile. */
    private static final int FK = 4, FS = 5;
    /** {@code [0, 1, …, L − 1]}: compared with the columns left to mask lanes past Q. */
    private static final FloatVector IOTA = FloatVector.fromArray(S, iota(), 0);

    private static final ConvWorkspace PADDED = new ConvWorkspace();
    private static final ConvWorkspace WEIGHTS = new ConvWorkspace();
    private static final ConvWorkspace GRADS = new ConvWorkspace();
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[KB * L]);

    private DirectConv2d() {
    }

    private static float[] iota() {
        float[] a = new float[L];
        for (int i = 0; i < L; i++) a[i] = i;
        return a;
    }

    /**
     * Whether the direct kernels handle this convolution: stride 1, one group, at most 32 output
     * channels and a reduction of at most 512 taps (beyond that im2col + GEMM is as fast).
     */
    static boolean applies(ConvGeometry g) {
        return g.groups == 1 && g.sh == 1 && g.sw == 1 && g.k <= 32 && g.crs <= 512 && g.q >= 1 && g.p >= 1;
    }

    /** Whether backward data can run as a forward convolution (needs {@code pad <= dil·(k−1)}). */
    static boolean appliesToBackwardData(ConvGeometry g) {
        return g.groups == 1 && g.sh == 1 && g.sw == 1 && g.c <= 32 && g.k * g.r * g.s <= 512
                && g.ph <= g.dh * (g.r - 1) && g.pw <= g.dw * (g.s - 1) && g.h >= 1 && g.w >= 1;
    }

    /** Width of a padded input row: the padded image, and room for whole vectors over Q rounded up to L at every tap. */
    private static int paddedWidth(int w, int pw, int q, int s, int dw) {
        return Math.max(w + 2 * pw, (q + L - 1) / L * L + (s - 1) * dw);
    }

    /** {@link Conv2dKernels#forward} for {@link #applies} geometries. */
    static void forward(float[] x, int xOff, float[] w, int wOff, ConvGeometry g, float[] y, int yOff) {
        int kBlocks = (g.k + KB - 1) / KB;
        float[] wt = WEIGHTS.floats(kBlocks * g.crs * KB);
        Arrays.fill(wt, 0, kBlocks * g.crs * KB, 0);
        for (int k = 0; k < g.k; k++)
            for (int t = 0; t < g.crs; t++) wt[((k / KB) * g.crs + t) * KB + k % KB] = w[wOff + k * g.crs + t];
        run(x, xOff, g.n, g.c, g.h, g.w, g.ph, g.pw, wt, g.k, g.r, g.s, g.dh, g.dw, y, yOff, g.p, g.q);
    }

    /** {@link Conv2dKernels#backwardData} for {@link #appliesToBackwardData} geometries. */
    static void backwardData(float[] dy, int dyOff, float[] w, int wOff, ConvGeometry g, float[] dx, int dxOff) {
        // w'[c][k][r'][s'] = w[k][c][R−1−r'][S−1−s'], as [C/8][K][R][S][8] tiles.
        int kBlocks = (g.c + KB - 1) / KB, depth = g.k * g.r * g.s;
        float[] wt = WEIGHTS.floats(kBlocks * depth * KB);
        Arrays.fill(wt, 0, kBlocks * depth * KB, 0);
        for (int c = 0; c < g.c; c++)
            for (int k = 0; k < g.k; k++)
                for (int r = 0; r < g.r; r++)
                    for (int s = 0; s < g.s; s++) {
                        int t = (k * g.r + r) * g.s + s;
                        wt[((c / KB) * depth + t) * KB + c % KB] = w[wOff + ((k * g.c + c) * g.r + (g.r - 1 - r)) * g.s + (g.s - 1 - s)];
                    }
        run(dy, dyOff, g.n, g.k, g.p, g.q, g.dh * (g.r - 1) - g.ph, g.dw * (g.s - 1) - g.pw, wt, g.c, g.r, g.s, g.dh, g.dw,
                dx, dxOff, g.h, g.w);
    }

    /**
     * The forward convolution {@code out[n,k,p,q] = Σ_{c,r,s} in[n, c, p − ph + r·dh, q − pw + s·dw] · w[k,c,r,s]}
     * of {@code in [N, C, H, W]} with tiled weights {@code wt [K/8][C·R·S][8]}.
     */
    private static void run(float[] in, int inOff, int n, int c, int h, int w, int ph, int pw, float[] wt, int k, int r, int s,
                            int dh, int dw, float[] out, int outOff, int p, int q) {
        int hp = h + 2 * ph, wp = paddedWidth(w, pw, q, s, dw), plane = hp * wp, image = c * plane;
        float[] xp = pad(in, inOff, n, c, h, w, ph, pw, hp, wp);
        int kBlocks = (k + KB - 1) / KB, depth = c * r * s;
        // Per output row, the taps whose input row is not padding (a padded row only adds zeros: backward
        // data of LeNet's second layer pads 10 rows by 4, so 29% of its taps read zero rows). Each tap is
        // its offset from the window's top-left corner in the padded image and its weight-tile index; rows
        // with the same range of kernel rows share one list. One flat loop over a list keeps the
        // accumulators in registers (the JIT boxed them across nested loops).
        int[][][] rowTaps = new int[p][][];
        java.util.Map<Integer, int[][]> byRange = new java.util.HashMap<>();
        for (int row = 0; row < p; row++) {
            int rLo = 0, rHi = r;
            while (rLo < r && row + rLo * dh < ph) rLo++;
            while (rHi > rLo && row + (rHi - 1) * dh >= ph + h) rHi--;
            int lo = rLo, hi = rHi;
            rowTaps[row] = byRange.computeIfAbsent(lo * (r + 1) + hi, key -> {
                int count = c * (hi - lo) * s;
                int[] off = new int[count], widx = new int[count];
                for (int cc = 0, t = 0; cc < c; cc++)
                    for (int rr = lo; rr < hi; rr++)
                        for (int ss = 0; ss < s; ss++, t++) {
                            off[t] = cc * plane + rr * dh * wp + ss * dw;
                            widx[t] = ((cc * r + rr) * s + ss) * KB;
                        }
                return new int[][]{off, widx};
            });
        }
        // Items are (image, output row); a row of one image is C·R·S·K·Q multiply-adds.
        int items = n * p;
        Parallel.forRange(items, Conv2dKernels.grain((long) depth * k * q), (from, to) -> {
            float[] tile = TILE.get();
            for (int item = from; item < to; item++) {
                int img = item / p, row = item % p;
                int xBase = img * image + row * wp;
                int[] taps = rowTaps[row][0], wIndex = rowTaps[row][1];
                for (int kb = 0; kb < kBlocks; kb++) {
                    int kCount = Math.min(KB, k - kb * KB), yBase = outOff + (img * k + kb * KB) * p * q + row * q;
                    int wBase = kb * depth * KB;
                    for (int q0 = 0; q0 < q; q0 += L) {
                        int start = q < L ? 0 : Math.min(q0, q - L);
                        tileRow(xp, xBase + start, taps, wIndex, wt, wBase, tile);
                        int cols = Math.min(L, q);
                        for (int kk = 0; kk < kCount; kk++)
                            System.arraycopy(tile, kk * L, out, yBase + kk * p * q + start, cols);
                    }
                }
            }
        });
    }

    /**
     * One register tile: 8 channels × L columns starting at {@code xAt}, over the taps listed (input
     * offsets and weight-tile indices), written to {@code tile[kk·L + lane]}.
     */
    private static void tileRow(float[] xp, int xAt, int[] taps, int[] wIndex, float[] wt, int wAt, float[] tile) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int t = 0; t < taps.length; t++) {
            int wi = wAt + wIndex[t];
            FloatVector xv = FloatVector.fromArray(S, xp, xAt + taps[t]);
            a0 = xv.fma(FloatVector.broadcast(S, wt[wi]), a0);
            a1 = xv.fma(FloatVector.broadcast(S, wt[wi + 1]), a1);
            a2 = xv.fma(FloatVector.broadcast(S, wt[wi + 2]), a2);
            a3 = xv.fma(FloatVector.broadcast(S, wt[wi + 3]), a3);
            a4 = xv.fma(FloatVector.broadcast(S, wt[wi + 4]), a4);
            a5 = xv.fma(FloatVector.broadcast(S, wt[wi + 5]), a5);
            a6 = xv.fma(FloatVector.broadcast(S, wt[wi + 6]), a6);
            a7 = xv.fma(FloatVector.broadcast(S, wt[wi + 7]), a7);
        }
        a0.intoArray(tile, 0);
        a1.intoArray(tile, L);
        a2.intoArray(tile, 2 * L);
        a3.intoArray(tile, 3 * L);
        a4.intoArray(tile, 4 * L);
        a5.intoArray(tile, 5 * L);
        a6.intoArray(tile, 6 * L);
        a7.intoArray(tile, 7 * L);
    }

    /** Copies {@code in [N, C, H, W]} into this thread's zeroed {@code [N, C, hp, wp]} buffer at (ph, pw). */
    private static float[] pad(float[] in, int inOff, int n, int c, int h, int w, int ph, int pw, int hp, int wp) {
        int planes = n * c, plane = hp * wp;
        float[] xp = PADDED.floats(planes * plane);
        Parallel.forRange(planes, Conv2dKernels.grain(plane), (from, to) -> {
            for (int pl = from; pl < to; pl++) {
                int dst = pl * plane, src = inOff + pl * h * w;
                Arrays.fill(xp, dst, dst + plane, 0);
                for (int row = 0; row < h; row++) System.arraycopy(in, src + row * w, xp, dst + (row + ph) * wp + pw, w);
            }
        });
        return xp;
    }

    /** {@link Conv2dKernels#backwardFilter} for {@link #applies} geometries. */
    static void backwardFilter(float[] x, int xOff, float[] dy, int dyOff, ConvGeometry g, float[] dw, int dwOff) {
        int hp = g.h + 2 * g.ph, wp = paddedWidth(g.w, g.pw, g.q, g.s, g.dw), plane = hp * wp;
        float[] xp = pad(x, xOff, g.n, g.c, g.h, g.w, g.ph, g.pw, hp, wp);
        // dy as [N][K rounded up to FK][P][Q rounded up to L], zero-padded.
        int kp = (g.k + FK - 1) / FK * FK, qp = (g.q + L - 1) / L * L, dyPlane = g.p * qp;
        float[] gp = GRADS.floats(g.n * kp * dyPlane);
        Parallel.forRange(g.n * kp, Conv2dKernels.grain(dyPlane), (from, to) -> {
            for (int pl = from; pl < to; pl++) {
                int img = pl / kp, kk = pl % kp, dst = pl * dyPlane;
                Arrays.fill(gp, dst, dst + dyPlane, 0);
                if (kk >= g.k) continue;
                int src = dyOff + (img * g.k + kk) * g.pq;
                for (int row = 0; row < g.p; row++) System.arraycopy(dy, src + row * g.q, gp, dst + row * qp, g.q);
            }
        });
        int chunks = qp / L;
        int kBlocks = kp / FK, sGroups = (g.s + FS - 1) / FS;
        int tasks = kBlocks * g.c * g.r * sGroups;
        Parallel.forRange(tasks, 1, (from, to) -> {
            float[] sums = new float[FK * FS], lanes = new float[FK * FS * L];
            for (int task = from; task < to; task++) {
                int sg = task % sGroups, rest = task / sGroups;
                int rr = rest % g.r, cc = (rest / g.r) % g.c, kb = rest / g.r / g.c;
                int s0 = sg * FS, taps = Math.min(FS, g.s - s0);
                filterTile(xp, cc * plane + rr * g.dh * wp + s0 * g.dw, g.c * plane, wp, g.dw, taps, gp, kb * FK * dyPlane, kp * dyPlane,
                        dyPlane, qp, g.n, g.p, chunks, g.q, sums, lanes);
                for (int kk = 0; kk < FK && kb * FK + kk < g.k; kk++)
                    for (int t = 0; t < taps; t++)
                        dw[dwOff + (((kb * FK + kk) * g.c + cc) * g.r + rr) * g.s + s0 + t] = sums[kk * FS + t];
            }
        });
    }

    /**
     * {@code sums[kk·5 + t] = Σ_{n,p,q} dy[n, kk, p, q] · x[n, p, q + t·dw]} for 4 channels and up to 5
     * taps along a kernel row, over the padded buffers: {@code xBase} is the tap (c, r, s0) of image 0,
     * row 0, and {@code dyBase} the block's first channel in image 0. One flat loop over every
     * (image, row, column chunk), its offsets stepped by counters: the 20 accumulators stay in
     * registers only when no loop nests inside the one that carries them.
     */
    private static void filterTile(float[] xp, int xBase, int xImage, int wp, int dw, int taps, float[] gp, int dyBase, int dyImage,
                                   int dyPlane, int qp, int n, int p, int chunks, int q, float[] sums, float[] lanes) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector s00 = zero, s01 = zero, s02 = zero, s03 = zero, s04 = zero;
        FloatVector s10 = zero, s11 = zero, s12 = zero, s13 = zero, s14 = zero;
        FloatVector s20 = zero, s21 = zero, s22 = zero, s23 = zero, s24 = zero;
        FloatVector s30 = zero, s31 = zero, s32 = zero, s33 = zero, s34 = zero;
        int ch = 0, row = 0, img = 0;
        for (int i = 0, total = n * p * chunks; i < total; i++) {
            int q0 = ch * L;
            int gi = dyBase + img * dyImage + row * qp + q0, xi = xBase + img * xImage + row * wp + q0;
            if (++ch == chunks) {
                ch = 0;
                if (++row == p) {
                    row = 0;
                    img++;
                }
            }
            // Lanes past Q read x that the zero dy lanes would multiply: zero them so ∞·0 cannot make NaN.
            VectorMask<Float> valid = IOTA.compare(VectorOperators.LT, (float) (q - q0));
            FloatVector d0 = FloatVector.fromArray(S, gp, gi), d1 = FloatVector.fromArray(S, gp, gi + dyPlane);
            FloatVector d2 = FloatVector.fromArray(S, gp, gi + 2 * dyPlane), d3 = FloatVector.fromArray(S, gp, gi + 3 * dyPlane);
            FloatVector xv = zero.blend(FloatVector.fromArray(S, xp, xi), valid);
            s00 = d0.fma(xv, s00); s10 = d1.fma(xv, s10); s20 = d2.fma(xv, s20); s30 = d3.fma(xv, s30);
            if (taps > 1) {
                xv = zero.blend(FloatVector.fromArray(S, xp, xi + dw), valid);
                s01 = d0.fma(xv, s01); s11 = d1.fma(xv, s11); s21 = d2.fma(xv, s21); s31 = d3.fma(xv, s31);
            }
            if (taps > 2) {
                xv = zero.blend(FloatVector.fromArray(S, xp, xi + 2 * dw), valid);
                s02 = d0.fma(xv, s02); s12 = d1.fma(xv, s12); s22 = d2.fma(xv, s22); s32 = d3.fma(xv, s32);
            }
            if (taps > 3) {
                xv = zero.blend(FloatVector.fromArray(S, xp, xi + 3 * dw), valid);
                s03 = d0.fma(xv, s03); s13 = d1.fma(xv, s13); s23 = d2.fma(xv, s23); s33 = d3.fma(xv, s33);
            }
            if (taps > 4) {
                xv = zero.blend(FloatVector.fromArray(S, xp, xi + 4 * dw), valid);
                s04 = d0.fma(xv, s04); s14 = d1.fma(xv, s14); s24 = d2.fma(xv, s24); s34 = d3.fma(xv, s34);
            }
        }
        // Stored here, where each accumulator's exact vector class is known (a helper taking a FloatVector
        // parameter, if not inlined, stores through the Vector API's slow fallback).
        s00.intoArray(lanes, 0); s01.intoArray(lanes, L); s02.intoArray(lanes, 2 * L); s03.intoArray(lanes, 3 * L); s04.intoArray(lanes, 4 * L);
        s10.intoArray(lanes, 5 * L); s11.intoArray(lanes, 6 * L); s12.intoArray(lanes, 7 * L); s13.intoArray(lanes, 8 * L); s14.intoArray(lanes, 9 * L);
        s20.intoArray(lanes, 10 * L); s21.intoArray(lanes, 11 * L); s22.intoArray(lanes, 12 * L); s23.intoArray(lanes, 13 * L); s24.intoArray(lanes, 14 * L);
        s30.intoArray(lanes, 15 * L); s31.intoArray(lanes, 16 * L); s32.intoArray(lanes, 17 * L); s33.intoArray(lanes, 18 * L); s34.intoArray(lanes, 19 * L);
        // Each sum in lane order: a fixed order (reduceLanes leaves it unspecified).
        for (int k = 0; k < FK * FS; k++) {
            float total = 0;
            for (int lane = 0; lane < L; lane++) total += lanes[k * L + lane];
            sums[k] = total;
        }
    }

}
