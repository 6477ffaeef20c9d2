package dev.dendrite.cpu.nn;

import dev.dendrite.ops.Conv2dParams;

/**
 * The sizes of one (already validated) 2-D convolution, plus the per-kernel-tap ranges of output
 * positions that read inside the input. Shared by the im2col, pointwise and depthwise paths.
 *
 * <p>Output position {@code (p, q)} and kernel tap {@code (r, s)} read input row
 * {@code ih = p·sh − ph + r·dh} and column {@code iw = q·sw − pw + s·dw}. For a fixed tap the valid
 * {@code q} form one contiguous range {@code [qLo[s], qHi[s])} (and likewise {@code p} for
 * {@code r}), so the inner loops run without bounds tests.
 */
final class ConvGeometry {
    final int n, c, h, w;          // input  [N, C, H, W]
    final int k, r, s;             // weight [K, C/G, R, S]
    final int p, q;                // output [N, K, P, Q]
    final int groups, cg, kg;      // channels per group: C/G in, K/G out
    final int sh, sw, ph, pw, dh, dw;
    final int hw, pq, crs;         // plane sizes and the im2col depth C/G·R·S
    final int[] qLo, qHi;          // per kernel column s
    final int[] pLo, pHi;          // per kernel row r
    /** Output columns where every kernel column reads inside the input; {@code qIn0 == qIn1} when none. */
    final int qIn0, qIn1;
    /**
     * Stride 1 only: input columns {@code iw} to which every kernel column s contributes, i.e.
     * {@code iw − (s·dw − pw)} lies in {@code [qLo[s], qHi[s])} for all s; {@code wIn0 == wIn1} when none.
     */
    final int wIn0, wIn1;

    ConvGeometry(int[] xShape, int[] wShape, int[] yShape, Conv2dParams prm) {
        n = xShape[0];
        c = xShape[1];
        h = xShape[2];
        w = xShape[3];
        k = wShape[0];
        r = wShape[2];
        s = wShape[3];
        p = yShape[2];
        q = yShape[3];
        groups = prm.groups();
        cg = c / groups;
        kg = k / groups;
        sh = prm.strideH();
        sw = prm.strideW();
        ph = prm.padH();
        pw = prm.padW();
        dh = prm.dilationH();
        dw = prm.dilationW();
        hw = h * w;
        pq = p * q;
        crs = cg * r * s;
        qLo = new int[s];
        qHi = new int[s];
        for (int j = 0; j < s; j++) {
            qLo[j] = validLo(pw - j * dw, sw, q);
            qHi[j] = Math.max(qLo[j], validHi(w - 1 + pw - j * dw, sw, q));
        }
        int q0 = 0, q1 = q, w0 = Integer.MIN_VALUE, w1 = Integer.MAX_VALUE;
        for (int j = 0; j < s; j++) {
            q0 = Math.max(q0, qLo[j]);
            q1 = Math.min(q1, qHi[j]);
            w0 = Math.max(w0, qLo[j] + j * dw - pw);
            w1 = Math.min(w1, qHi[j] + j * dw - pw);
        }
        qIn0 = q0 < q1 ? q0 : 0;
        qIn1 = q0 < q1 ? q1 : 0;
        wIn0 = w0 < w1 ? w0 : 0;
        wIn1 = w0 < w1 ? w1 : 0;
        pLo = new int[r];
        pHi = new int[r];
        for (int i = 0; i < r; i++) {
            pLo[i] = validLo(ph - i * dh, sh, p);
            pHi[i] = Math.max(pLo[i], validHi(h - 1 + ph - i * dh, sh, p));
        }
    }

    /** Smallest output index o with {@code o·stride >= need}, clamped to [0, out]. */
    private static int validLo(int need, int stride, int out) {
        return Math.min(out, Math.max(0, -Math.floorDiv(-need, stride)));
    }

    /** One past the largest output index o with {@code o·stride <= limit}, clamped to [0, out]. */
    private static int validHi(int limit, int stride, int out) {
        return Math.max(0, Math.min(out, Math.floorDiv(limit, stride) + 1));
    }

    /** A 1×1 kernel with stride 1 and no padding: the input planes are already the im2col matrix. */
    boolean isPointwise() {
        return r == 1 && s == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
    }

    /** One input channel per group (groups == C, any channel multiplier K/C): the direct depthwise kernels apply. */
    boolean isDepthwise() {
        return cg == 1 && groups == c;
    }

    /**
     * How many output rows one im2col tile covers, so that a tile holds at most {@code budget}
     * elements (at least one row). Tiling keeps the column buffer cache- and memory-friendly for
     * large images without changing results.
     */
    int rowsPerTile(int budget) {
        long perRow = Math.max(1L, (long) crs * q);
        return (int) Math.max(1, Math.min(p, budget / perRow));
    }
}
