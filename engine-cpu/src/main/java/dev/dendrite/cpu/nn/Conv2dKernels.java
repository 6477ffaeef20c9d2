package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.FloatSums;
import dev.dendrite.cpu.Parallel;
import dev.dendrite.cpu.ScratchArrays;
import dev.dendrite.cpu.gemm.Gemm;
import dev.dendrite.cpu.gemm.PackedFloatB;
import dev.dendrite.ops.Conv2dParams;
import java.util.Arrays;

/**
 * 2-D convolution (cross-correlation, cuDNN semantics) on contiguous NCHW arrays, in float and
 * double. Shapes and parameters have been validated by the caller; these methods only compute.
 * Every tensor is a contiguous slice of its array starting at the given offset.
 *
 * <p>Paths, chosen from the geometry:
 * <ul>
 *   <li>general: the column matrix per image and group, then one GEMM (Note [Convolution as GEMM]);
 *       in float the GEMM packs the matrix straight from x (Note [Column matrix packed from its source]
 *       in {@code Im2col}), stride-1 backward data is a forward convolution (Note [Backward data as a
 *       convolution]) and the filter gradient reads a channels-last copy of x (Note [Filter gradient
 *       from channels-last columns]); double, the reference, builds the matrix and uses col2im;</li>
 *   <li>1×1, stride 1, no padding: the input planes are the column matrix, a single GEMM with no copy;</li>
 *   <li>groups == C (depthwise, any channel multiplier): direct loops in {@code DepthwiseConv2d},
 *       since a GEMM with a depth of R·S would be all overhead; with the Vector API, direct kernels for
 *       depthwise 3×3 and for LeNet-sized convolutions.</li>
 * </ul>
 * Work is spread over the batch ({@link Parallel}); each thread reuses its own buffers.
 *
 * <p>Note [Convolution as GEMM]: for one image and group, {@code col[(c·R + r)·S + s][p·Q + q]} holds
 * the input element tap {@code (c, r, s)} reads for output {@code (p, q)} (zero in the padding).
 * Then {@code y_g[K/G, P·Q] = W_g[K/G, C/G·R·S] · col}; {@code dcol = W_gᵀ · dy_g} scattered back by
 * col2im is the data gradient; and {@code dW_g = Σ_n dy_g · colᵀ} the filter gradient. The column
 * matrix is built for at most {@link #COL_BUDGET} elements at a time (whole output rows), so large
 * images do not need a buffer of C·R·S·P·Q elements; the GEMM then writes a column block of y with
 * leading dimension P·Q.
 *
 * <p>Note [Filter gradient over the batch]: the batch is cut into a number of chunks that depends
 * only on the shapes ({@link #filterChunks}); each chunk accumulates its images in order into its own
 * buffer (chunk 0 directly into dw), and the buffers are added in chunk order. Results are therefore
 * identical from run to run and for any thread count, unlike per-thread partial sums. The GEMM itself
 * splits only rows and columns of its output, never the summed dimension.
 */
public final class Conv2dKernels {
    /** Most elements of one im2col tile (8 MiB in float): large enough for efficient GEMMs, small enough to stay in L3. */
    static final int COL_BUDGET = 1 << 21;
    /** Most batch chunks of a filter gradient (Note [Filter gradient over the batch]). */
    static final int MAX_FILTER_CHUNKS = 16;
    /** Most elements of partial filter gradients held at once. */
    static final long PARTIAL_BUDGET = 1L << 23;
    /** Elements of work below which a parallel loop stays on the calling thread. */
    static final long GRAIN_WORK = 1L << 15;
    private static final int REDUCE_GRAIN = 1 << 14;

    /** Per-thread column tiles (and the depthwise filter-gradient accumulators). */
    static final ConvWorkspace COLUMNS = new ConvWorkspace();
    /** The calling thread's partial filter gradients; separate from COLUMNS because the caller may also run a chunk. */
    private static final ConvWorkspace PARTIALS = new ConvWorkspace();

    private Conv2dKernels() {
    }

    // ---- float ---------------------------------------------------------------------------

    /**
     * Forward cross-correlation,
     * {@code y[n,k,p,q] = Σ_{c,r,s} x[n, g·C/G + c, p·sh − ph + r·dh, q·sw − pw + s·dw] · w[k,c,r,s]}
     * with {@code g = k / (K/G)}; taps outside the input read zero.
     *
     * @param x      input {@code [N, C, H, W]}, contiguous from {@code xOff}
     * @param w      weight {@code [K, C/G, R, S]}, contiguous from {@code wOff}
     * @param p      stride, padding, dilation and groups
     * @param y      output {@code [N, K, P, Q]} (P, Q from {@link Conv2dParams#outputSize}), overwritten
     */
    public static void forward(float[] x, int xOff, int[] xShape, float[] w, int wOff, int[] wShape,
                               Conv2dParams p, float[] y, int yOff, int[] yShape) {
        ConvGeometry g = new ConvGeometry(xShape, wShape, yShape, p);
        if ((long) g.n * g.k * g.pq == 0) return;
        if (Gemm.isVectorized() && DirectConv2d.applies(g)) {
            DirectConv2d.forward(x, xOff, w, wOff, g, y, yOff);   // Note [Direct convolution]
            return;
        }
        if (Gemm.isVectorized() && VectorDepthwise3x3.applies(g)) {
            VectorDepthwise3x3.forward(x, xOff, w, wOff, g, y, yOff);   // Note [Vector depthwise 3×3]
            return;
        }
        if (g.isDepthwise()) {
            DepthwiseConv2d.forward(x, xOff, w, wOff, g, y, yOff);
            return;
        }
        boolean pointwise = g.isPointwise();
        int tile = g.rowsPerTile(COL_BUDGET);
        overImages(g.n, (from, to) -> {
            for (int img = from; img < to; img++) {
                for (int grp = 0; grp < g.groups; grp++) {
                    int xg = xOff + (img * g.c + grp * g.cg) * g.hw;
                    int wg = wOff + grp * g.kg * g.crs;
                    int yg = yOff + (img * g.k + grp * g.kg) * g.pq;
                    if (pointwise) {
                        // the group's input planes [C/G, H·W] are the column matrix already
                        Gemm.sgemm(false, false, g.kg, g.pq, g.cg, 1, w, wg, g.cg, x, xg, g.hw, 0, y, yg, g.pq);
                        continue;
                    }
                    for (int p0 = 0; p0 < g.p; p0 += tile) {
                        int rows = Math.min(tile, g.p - p0), nb = rows * g.q, firstRow = p0;
                        // y[K/G, rows·Q] (a column block of the group's [K/G, P·Q]) = W_g[K/G, CRS] · col[CRS, rows·Q],
                        // col packed straight from x (Note [Column matrix packed from its source])
                        Gemm.RowSource columns = (k0, count, j0, width, dst, dstOff, stride) ->
                                Im2col.columns(x, xg, g, firstRow, k0, count, j0, width, dst, dstOff, stride);
                        try (PackedFloatB colB = Gemm.packB(g.crs, nb, columns)) {
                            Gemm.sgemm(false, g.kg, 1f, w, wg, g.crs, colB, 0f, y, yg + p0 * g.q, g.pq);
                        }
                    }
                }
            }
        });
    }

    /**
     * The adjoint of {@link #forward} in x: {@code dx = Σ} over every output position and tap of
     * {@code w · dy}, scattered back to the input position the tap read.
     *
     * @param dy output gradient {@code [N, K, P, Q]}
     * @param w  weight {@code [K, C/G, R, S]}
     * @param dx input gradient {@code [N, C, H, W]}, overwritten
     */
    public static void backwardData(float[] dy, int dyOff, int[] dyShape, float[] w, int wOff, int[] wShape,
                                    Conv2dParams p, float[] dx, int dxOff, int[] dxShape) {
        ConvGeometry g = new ConvGeometry(dxShape, wShape, dyShape, p);
        if ((long) g.n * g.c * g.hw == 0) return;
        if (Gemm.isVectorized() && DirectConv2d.appliesToBackwardData(g) && g.pq > 0) {
            DirectConv2d.backwardData(dy, dyOff, w, wOff, g, dx, dxOff);   // Note [Direct convolution]
            return;
        }
        if (Gemm.isVectorized() && VectorDepthwise3x3.appliesToBackwardData(g)) {
            VectorDepthwise3x3.backwardData(dy, dyOff, w, wOff, g, dx, dxOff);   // Note [Vector depthwise 3×3]
            return;
        }
        if (g.isDepthwise()) {
            DepthwiseConv2d.backwardData(dy, dyOff, w, wOff, g, dx, dxOff);
            return;
        }
        boolean pointwise = g.isPointwise();
        if (!pointwise && g.sh == 1 && g.sw == 1 && g.ph <= g.dh * (g.r - 1) && g.pw <= g.dw * (g.s - 1)) {
            backwardDataAsForward(dy, dyOff, dyShape, w, wOff, g, dx, dxOff, dxShape);
            return;
        }
        int tile = g.rowsPerTile(COL_BUDGET);
        overImages(g.n, (from, to) -> {
            float[] col = pointwise ? null : COLUMNS.floats(g.crs * tile * g.q);
            for (int img = from; img < to; img++) {
                int xi = dxOff + img * g.c * g.hw;
                if (!pointwise) Arrays.fill(dx, xi, xi + g.c * g.hw, 0);
                for (int grp = 0; grp < g.groups; grp++) {
                    int xg = xi + grp * g.cg * g.hw;
                    int wg = wOff + grp * g.kg * g.crs;
                    int yg = dyOff + (img * g.k + grp * g.kg) * g.pq;
                    if (pointwise) {
                        Gemm.sgemm(true, false, g.cg, g.hw, g.kg, 1, w, wg, g.cg, dy, yg, g.pq, 0, dx, xg, g.hw);
                        continue;
                    }
                    for (int p0 = 0; p0 < g.p; p0 += tile) {
                        int rows = Math.min(tile, g.p - p0), nb = rows * g.q;
                        // col[CRS, rows·Q] = W_gᵀ · dy_g[K/G, rows·Q], then scattered back
                        Gemm.sgemm(true, false, g.crs, nb, g.kg, 1, w, wg, g.crs, dy, yg + p0 * g.q, g.pq, 0, col, 0, nb);
                        Im2col.col2im(col, g, p0, rows, dx, xg);
                    }
                }
            }
        });
    }

    /**
     * Note [Backward data as a convolution]: with stride 1, {@code dx} is the forward cross-correlation
     * of {@code dy}, padded by {@code dil·(k − 1) − pad} (which must not be negative), with the weights
     * flipped in r and s and transposed per group to {@code [C, K/G, R, S]}. That runs the forward path:
     * one deep GEMM (K/G·R·S) per image into dx, where the col2im route multiplies a depth of only K/G
     * into a column buffer, clears dx and scatters the buffer back (together 40% of a 3×3 64→64
     * backward-data pass). The double path keeps the col2im route, so the float-vs-double tests compare
     * two different algorithms.
     */
    private static void backwardDataAsForward(float[] dy, int dyOff, int[] dyShape, float[] w, int wOff, ConvGeometry g,
                                              float[] dx, int dxOff, int[] dxShape) {
        float[] flipped = ScratchArrays.floats(g.c * g.kg * g.r * g.s);
        int rs = g.r * g.s;
        for (int grp = 0; grp < g.groups; grp++)
            for (int kk = 0; kk < g.kg; kk++)
                for (int c = 0; c < g.cg; c++) {
                    int src = wOff + ((grp * g.kg + kk) * g.cg + c) * rs;
                    int dst = ((grp * g.cg + c) * g.kg + kk) * rs;
                    for (int t = 0; t < rs; t++) flipped[dst + t] = w[src + rs - 1 - t];
                }
        Conv2dParams adjoint = new Conv2dParams(1, 1, g.dh * (g.r - 1) - g.ph, g.dw * (g.s - 1) - g.pw, g.dh, g.dw, g.groups);
        try {
            forward(dy, dyOff, dyShape, flipped, 0, new int[]{g.c, g.kg, g.r, g.s}, adjoint, dx, dxOff, dxShape);
        } finally {
            ScratchArrays.release(flipped);
        }
    }

    /**
     * The gradient in w: {@code dw[k,c,r,s] = Σ_{n,p,q} dy[n,k,p,q] · x[n, g·C/G + c, p·sh − ph + r·dh, q·sw − pw + s·dw]}.
     * Deterministic: see Note [Filter gradient over the batch].
     *
     * @param x  input {@code [N, C, H, W]}
     * @param dy output gradient {@code [N, K, P, Q]}
     * @param dw weight gradient {@code [K, C/G, R, S]}, overwritten
     */
    public static void backwardFilter(float[] x, int xOff, int[] xShape, float[] dy, int dyOff, int[] dyShape,
                                      Conv2dParams p, float[] dw, int dwOff, int[] wShape) {
        ConvGeometry g = new ConvGeometry(xShape, wShape, dyShape, p);
        int size = g.k * g.crs;
        if (size == 0) return;
        if (g.n == 0 || g.pq == 0) {
            Arrays.fill(dw, dwOff, dwOff + size, 0);
            return;
        }
        if (Gemm.isVectorized() && DirectConv2d.applies(g)) {
            DirectConv2d.backwardFilter(x, xOff, dy, dyOff, g, dw, dwOff);   // Note [Direct convolution]
            return;
        }
        if (Gemm.isVectorized() && VectorDepthwise3x3.applies(g)) {
            VectorDepthwise3x3.backwardFilter(x, xOff, dy, dyOff, g, dw, dwOff);   // Note [Vector depthwise 3×3]
            return;
        }
        if (g.isDepthwise()) {
            DepthwiseConv2d.backwardFilter(x, xOff, dy, dyOff, g, dw, dwOff);
            return;
        }
        // 1×1 included: the channels-last copy is the transposed input the GEMM wants.
        backwardFilterChannelsLast(x, xOff, dy, dyOff, g, dw, dwOff);
    }

    /**
     * Note [Filter gradient from channels-last columns]: {@code dW_g = dy_g · colᵀ} needs the column
     * matrix transposed, with the pixels (the summed dimension) as its rows, and transposing it while
     * packing cost 0.4-0.6 ns per element, as much as the 64 multiply-adds each element feeds. So the
     * filter gradient is computed with its columns in the order {@code (r, s, c)} instead of
     * {@code (c, r, s)}: then a row of {@code colᵀ} is R·S runs of C/G consecutive channels of one input
     * pixel, which are contiguous once the image is copied channels-last, and the GEMM packs them straight
     * from that copy ({@link Gemm.RowSource}) with array copies, never building the column matrix. The
     * sums of each batch chunk (Note [Filter gradient over the batch]) land in a {@code [K, R, S, C/G]}
     * buffer, and the final pass adds the chunks in order while permuting to {@code [K, C/G, R, S]}.
     * The double path keeps im2col, so the float-vs-double tests compare the two.
     */
    private static void backwardFilterChannelsLast(float[] x, int xOff, float[] dy, int dyOff, ConvGeometry g, float[] dw, int dwOff) {
        int size = g.k * g.crs;
        int tile = g.rowsPerTile(COL_BUDGET);
        int chunks = filterChunks(g.n, size);
        float[] sums = ScratchArrays.floats(chunks * size);
        try {
            Parallel.forRange(chunks, 1, (from, to) -> {
                float[] xt = ScratchArrays.floats(g.cg * g.hw);
                try {
                    for (int chunk = from; chunk < to; chunk++) {
                        int i0 = chunkStart(g.n, chunk, chunks), i1 = chunkStart(g.n, chunk + 1, chunks);
                        for (int img = i0; img < i1; img++) {
                            for (int grp = 0; grp < g.groups; grp++) {
                                toChannelsLast(x, xOff + (img * g.c + grp * g.cg) * g.hw, g, xt);
                                int yg = dyOff + (img * g.k + grp * g.kg) * g.pq;
                                int og = chunk * size + grp * g.kg * g.crs;
                                for (int p0 = 0; p0 < g.p; p0 += tile) {
                                    int rows = Math.min(tile, g.p - p0), firstPixel = p0 * g.q;
                                    Gemm.RowSource columns = (q0, count, j0, width, dst, dstOff, stride) ->
                                            channelsLastColumns(xt, g, firstPixel + q0, count, j0, width, dst, dstOff, stride);
                                    try (PackedFloatB colT = Gemm.packB(rows * g.q, g.crs, columns)) {
                                        float beta = img == i0 && p0 == 0 ? 0 : 1;
                                        // dW_g[K/G, (r,s,c)] (+)= dy_g[K/G, pixels] · colᵀ[pixels, (r,s,c)]
                                        Gemm.sgemm(false, g.kg, 1f, dy, yg + p0 * g.q, g.pq, colT, beta, sums, og, g.crs);
                                    }
                                }
                            }
                        }
                    }
                } finally {
                    ScratchArrays.release(xt);
                }
            });
            int rs = g.r * g.s;
            Parallel.forRange(g.k, Math.max(1, REDUCE_GRAIN / Math.max(1, g.crs * chunks)), (k0, k1) -> {
                for (int kk = k0; kk < k1; kk++)
                    for (int c = 0; c < g.cg; c++)
                        for (int t = 0; t < rs; t++) {
                            int src = kk * g.crs + t * g.cg + c;
                            float v = sums[src];
                            for (int chunk = 1; chunk < chunks; chunk++) v += sums[chunk * size + src];
                            dw[dwOff + (kk * g.cg + c) * rs + t] = v;
                        }
            });
        } finally {
            ScratchArrays.release(sums);
        }
    }

    /** {@code xt[(h·W + w)·C/G + c] = x[c, h, w]} for one image and group. */
    private static void toChannelsLast(float[] x, int off, ConvGeometry g, float[] xt) {
        for (int c = 0; c < g.cg; c++) {
            int src = off + c * g.hw;
            for (int i = 0, d = c; i < g.hw; i++, d += g.cg) xt[d] = x[src + i];
        }
    }

    /**
     * Rows {@code pixel0 .. pixel0 + rows} and columns {@code [j0, j0 + width)} of the channels-last
     * column matrix (Note [Filter gradient from channels-last columns]): element (output pixel
     * {@code (oh, ow)}, column {@code (r·S + s)·C/G + c}) is {@code x[c, oh·sh − ph + r·dh, ow·sw − pw + s·dw]},
     * zero outside the input; row i goes to {@code dst[dstOff + i·stride ..]}.
     */
    private static void channelsLastColumns(float[] xt, ConvGeometry g, int pixel0, int rows, int j0, int width,
                                            float[] dst, int dstOff, int stride) {
        int oh0 = pixel0 / g.q, ow0 = pixel0 % g.q;
        for (int col = 0; col < width; ) {
            // one run of channels within one tap (r, s)
            int j = j0 + col, tap = j / g.cg, c = j % g.cg, run = Math.min(g.cg - c, width - col);
            int rowShift = (tap / g.s) * g.dh - g.ph, colShift = (tap % g.s) * g.dw - g.pw;
            int oh = oh0, ow = ow0;
            for (int i = 0; i < rows; i++) {
                int ih = oh * g.sh + rowShift, iw = ow * g.sw + colShift, d = dstOff + i * stride + col;
                if (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) System.arraycopy(xt, (ih * g.w + iw) * g.cg + c, dst, d, run);
                else for (int e = d; e < d + run; e++) dst[e] = 0;
                if (++ow == g.q) {
                    ow = 0;
                    oh++;
                }
            }
            col += run;
        }
    }

    /**
     * The gradient of a per-channel bias added to the output: {@code db[k] = Σ_{n,p,q} dy[n,k,p,q]}.
     * Sums in double for either precision (a plane can have millions of elements).
     *
     * @param dy output gradient {@code [N, K, P, Q]}
     * @param db bias gradient {@code [K]}, overwritten
     */
    public static void backwardBias(float[] dy, int dyOff, int[] dyShape, float[] db, int dbOff) {
        int n = dyShape[0], k = dyShape[1], pq = dyShape[2] * dyShape[3];
        Parallel.forRange(k, grain((long) n * pq), (from, to) -> {
            for (int kk = from; kk < to; kk++) {
                double sum = 0;
                for (int img = 0; img < n; img++) sum += FloatSums.scalarSum(dy, dyOff + (img * k + kk) * pq, pq);
                db[dbOff + kk] = (float) sum;
            }
        });
    }


    // ---- double: the reference algorithms (im2col + GEMM, col2im), kept apart from the float fast paths --

    /**
     * Forward cross-correlation,
     * {@code y[n,k,p,q] = Σ_{c,r,s} x[n, g·C/G + c, p·sh − ph + r·dh, q·sw − pw + s·dw] · w[k,c,r,s]}
     * with {@code g = k / (K/G)}; taps outside the input read zero.
     *
     * @param x      input {@code [N, C, H, W]}, contiguous from {@code xOff}
     * @param w      weight {@code [K, C/G, R, S]}, contiguous from {@code wOff}
     * @param p      stride, padding, dilation and groups
     * @param y      output {@code [N, K, P, Q]} (P, Q from {@link Conv2dParams#outputSize}), overwritten
     */
    public static void forward(double[] x, int xOff, int[] xShape, double[] w, int wOff, int[] wShape,
                               Conv2dParams p, double[] y, int yOff, int[] yShape) {
        ConvGeometry g = new ConvGeometry(xShape, wShape, yShape, p);
        if ((long) g.n * g.k * g.pq == 0) return;
        if (g.isDepthwise()) {
            DepthwiseConv2d.forward(x, xOff, w, wOff, g, y, yOff);
            return;
        }
        boolean pointwise = g.isPointwise();
        int tile = g.rowsPerTile(COL_BUDGET);
        overImages(g.n, (from, to) -> {
            double[] col = pointwise ? null : COLUMNS.doubles(g.crs * tile * g.q);
            for (int img = from; img < to; img++) {
                for (int grp = 0; grp < g.groups; grp++) {
                    int xg = xOff + (img * g.c + grp * g.cg) * g.hw;
                    int wg = wOff + grp * g.kg * g.crs;
                    int yg = yOff + (img * g.k + grp * g.kg) * g.pq;
                    if (pointwise) {
                        // the group's input planes [C/G, H·W] are the column matrix already
                        Gemm.dgemm(false, false, g.kg, g.pq, g.cg, 1, w, wg, g.cg, x, xg, g.hw, 0, y, yg, g.pq);
                        continue;
                    }
                    for (int p0 = 0; p0 < g.p; p0 += tile) {
                        int rows = Math.min(tile, g.p - p0), nb = rows * g.q;
                        Im2col.im2col(x, xg, g, p0, rows, col);
                        // y[K/G, rows·Q] (a column block of the group's [K/G, P·Q]) = W_g[K/G, CRS] · col[CRS, rows·Q]
                        Gemm.dgemm(false, false, g.kg, nb, g.crs, 1, w, wg, g.crs, col, 0, nb, 0, y, yg + p0 * g.q, g.pq);
                    }
                }
            }
        });
    }

    /**
     * The adjoint of {@link #forward} in x: {@code dx = Σ} over every output position and tap of
     * {@code w · dy}, scattered back to the input position the tap read.
     *
     * @param dy output gradient {@code [N, K, P, Q]}
     * @param w  weight {@code [K, C/G, R, S]}
     * @param dx input gradient {@code [N, C, H, W]}, overwritten
     */
    public static void backwardData(double[] dy, int dyOff, int[] dyShape, double[] w, int wOff, int[] wShape,
                                    Conv2dParams p, double[] dx, int dxOff, int[] dxShape) {
        ConvGeometry g = new ConvGeometry(dxShape, wShape, dyShape, p);
        if ((long) g.n * g.c * g.hw == 0) return;
        if (g.isDepthwise()) {
            DepthwiseConv2d.backwardData(dy, dyOff, w, wOff, g, dx, dxOff);
            return;
        }
        boolean pointwise = g.isPointwise();
        int tile = g.rowsPerTile(COL_BUDGET);
        overImages(g.n, (from, to) -> {
            double[] col = pointwise ? null : COLUMNS.doubles(g.crs * tile * g.q);
            for (int img = from; img < to; img++) {
                int xi = dxOff + img * g.c * g.hw;
                if (!pointwise) Arrays.fill(dx, xi, xi + g.c * g.hw, 0);
                for (int grp = 0; grp < g.groups; grp++) {
                    int xg = xi + grp * g.cg * g.hw;
                    int wg = wOff + grp * g.kg * g.crs;
                    int yg = dyOff + (img * g.k + grp * g.kg) * g.pq;
                    if (pointwise) {
                        Gemm.dgemm(true, false, g.cg, g.hw, g.kg, 1, w, wg, g.cg, dy, yg, g.pq, 0, dx, xg, g.hw);
                        continue;
                    }
                    for (int p0 = 0; p0 < g.p; p0 += tile) {
                        int rows = Math.min(tile, g.p - p0), nb = rows * g.q;
                        // col[CRS, rows·Q] = W_gᵀ · dy_g[K/G, rows·Q], then scattered back
                        Gemm.dgemm(true, false, g.crs, nb, g.kg, 1, w, wg, g.crs, dy, yg + p0 * g.q, g.pq, 0, col, 0, nb);
                        Im2col.col2im(col, g, p0, rows, dx, xg);
                    }
                }
            }
        });
    }

    /**
     * The gradient in w: {@code dw[k,c,r,s] = Σ_{n,p,q} dy[n,k,p,q] · x[n, g·C/G + c, p·sh − ph + r·dh, q·sw − pw + s·dw]}.
     * Deterministic: see Note [Filter gradient over the batch].
     *
     * @param x  input {@code [N, C, H, W]}
     * @param dy output gradient {@code [N, K, P, Q]}
     * @param dw weight gradient {@code [K, C/G, R, S]}, overwritten
     */
    public static void backwardFilter(double[] x, int xOff, int[] xShape, double[] dy, int dyOff, int[] dyShape,
                                      Conv2dParams p, double[] dw, int dwOff, int[] wShape) {
        ConvGeometry g = new ConvGeometry(xShape, wShape, dyShape, p);
        int size = g.k * g.crs;
        if (size == 0) return;
        if (g.n == 0 || g.pq == 0) {
            Arrays.fill(dw, dwOff, dwOff + size, 0);
            return;
        }
        if (g.isDepthwise()) {
            DepthwiseConv2d.backwardFilter(x, xOff, dy, dyOff, g, dw, dwOff);
            return;
        }
        boolean pointwise = g.isPointwise();
        int tile = g.rowsPerTile(COL_BUDGET);
        int chunks = filterChunks(g.n, size);
        double[] partial = chunks > 1 ? PARTIALS.doubles((chunks - 1) * size) : null;
        Parallel.forRange(chunks, 1, (from, to) -> {
            double[] col = pointwise ? null : COLUMNS.doubles(g.crs * tile * g.q);
            for (int chunk = from; chunk < to; chunk++) {
                double[] out = chunk == 0 ? dw : partial;
                int outOff = chunk == 0 ? dwOff : (chunk - 1) * size;
                int i0 = chunkStart(g.n, chunk, chunks), i1 = chunkStart(g.n, chunk + 1, chunks);
                for (int img = i0; img < i1; img++) {
                    for (int grp = 0; grp < g.groups; grp++) {
                        int xg = xOff + (img * g.c + grp * g.cg) * g.hw;
                        int yg = dyOff + (img * g.k + grp * g.kg) * g.pq;
                        int og = outOff + grp * g.kg * g.crs;
                        if (pointwise) {
                            double beta = img == i0 ? 0 : 1;
                            Gemm.dgemm(false, true, g.kg, g.cg, g.pq, 1, dy, yg, g.pq, x, xg, g.hw, beta, out, og, g.crs);
                            continue;
                        }
                        for (int p0 = 0; p0 < g.p; p0 += tile) {
                            int rows = Math.min(tile, g.p - p0), nb = rows * g.q;
                            Im2col.im2col(x, xg, g, p0, rows, col);
                            // dw_g[K/G, CRS] (+)= dy_g[K/G, rows·Q] · colᵀ
                            double beta = img == i0 && p0 == 0 ? 0 : 1;
                            Gemm.dgemm(false, true, g.kg, g.crs, nb, 1, dy, yg + p0 * g.q, g.pq, col, 0, nb, beta, out, og, g.crs);
                        }
                    }
                }
            }
        });
        if (chunks > 1) {
            Parallel.forRange(size, REDUCE_GRAIN, (from, to) -> {
                for (int chunk = 1; chunk < chunks; chunk++) {
                    int src = (chunk - 1) * size;
                    for (int i = from; i < to; i++) dw[dwOff + i] += partial[src + i];
                }
            });
        }
    }

    /**
     * The gradient of a per-channel bias added to the output: {@code db[k] = Σ_{n,p,q} dy[n,k,p,q]}.
     * Sums in double for either precision (a plane can have millions of elements).
     *
     * @param dy output gradient {@code [N, K, P, Q]}
     * @param db bias gradient {@code [K]}, overwritten
     */
    public static void backwardBias(double[] dy, int dyOff, int[] dyShape, double[] db, int dbOff) {
        int n = dyShape[0], k = dyShape[1], pq = dyShape[2] * dyShape[3];
        Parallel.forRange(k, grain((long) n * pq), (from, to) -> {
            for (int kk = from; kk < to; kk++) {
                double sum = 0;
                for (int img = 0; img < n; img++) sum += sum(dy, dyOff + (img * k + kk) * pq, pq);
                db[dbOff + kk] = sum;
            }
        });
    }

    /** Sum of {@code a[from, from + length)} in double, four independent accumulators. */
    private static double sum(double[] a, int from, int length) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from, end = from + length;
        for (; i + 3 < end; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < end; i++) s0 += a[i];
        return (s0 + s1) + (s2 + s3);
    }

    // ---- shared helpers ---------------------------------------------------------------------

    /**
     * Runs {@code body} over images: in parallel when there are at least as many images as
     * threads (each GEMM then runs on its worker), otherwise image by image on the caller so that
     * each GEMM spreads over the threads itself.
     */
    private static void overImages(int n, Parallel.RangeBody body) {
        if (n >= Parallel.threads()) Parallel.forRange(n, 1, body);
        else body.run(0, n);
    }

    /** Number of batch chunks for a filter gradient of {@code size} elements: a function of the shapes only. */
    static int filterChunks(int n, int size) {
        int chunks = Math.min(n, MAX_FILTER_CHUNKS);
        if (chunks > 1) chunks = (int) Math.min(chunks, 1 + PARTIAL_BUDGET / size);
        return Math.max(1, chunks);
    }

    /** First image of {@code chunk} when {@code n} images are cut into {@code chunks} nearly equal runs. */
    private static int chunkStart(int n, int chunk, int chunks) {
        return (int) ((long) n * chunk / chunks);
    }

    /** Parallel grain (in items) for items of {@code workPerItem} elements each. */
    static int grain(long workPerItem) {
        return (int) Math.max(1, GRAIN_WORK / Math.max(1, workPerItem));
    }
}
