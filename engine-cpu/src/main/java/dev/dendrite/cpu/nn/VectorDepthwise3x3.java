package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Depthwise 3×3 convolution (groups = C = K, stride 1, any padding and dilation) in float on the
 * Vector API, for output rows at least one vector wide. Only {@link Conv2dKernels} calls it, after
 * {@code Gemm.isVectorized()} and {@link #applies}.
 *
 * <p>Note [Vector depthwise 3×3]: the scalar loops of {@link DepthwiseConv2d} run a 56-wide row as
 * three auto-vectorised passes (one per kernel row), each with its scalar pre- and post-loop; at
 * about 6 GMAC/s that made MobileNet's 3×3 depthwise layer three times slower than PyTorch. Here each
 * input plane is first copied into a zero-padded buffer (it fits in L1), so every tap of every output
 * column reads inside it, and an output vector is nine plain loads and nine FMAs with the nine
 * weights held in registers. Columns go in vectors of L, the last one shifted left to end at Q.
 * <ul>
 *   <li>forward: out = Σ taps; the shifted last vector recomputes a few columns and overwrites them;</li>
 *   <li>backward data: the forward convolution of dy padded by {@code dil·2 − pad}, with the kernel
 *       flipped (stride 1 makes the adjoint a convolution);</li>
 *   <li>backward filter: nine vector accumulators per image, added into per-channel lane sums that
 *       are reduced across lanes in a fixed order at the end; in the shifted last vector the lanes already counted are
 *       zeroed (dy and x both, so ∞ in x cannot make 0·∞ = NaN). One task per channel sums its images
 *       in order, so the result does not depend on the thread count.</li>
 * </ul>
 */
final class VectorDepthwise3x3 {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ConvWorkspace PLANE = new ConvWorkspace();
    private static final FloatVector IOTA = FloatVector.fromArray(S, iota(), 0);

    private VectorDepthwise3x3() {
    }

    private static float[] iota() {
        float[] a = new float[L];
        for (int i = 0; i < L; i++) a[i] = i;
        return a;
    }

    /** Depthwise 3×3 with one output channel per input channel, stride 1, and output rows of at least L columns. */
    static boolean applies(ConvGeometry g) {
        return g.groups == g.c && g.k == g.c && g.r == 3 && g.s == 3 && g.sh == 1 && g.sw == 1 && g.q >= L && g.p >= 1;
    }

    /** Backward data as a forward convolution needs {@code pad <= 2·dil} and input rows of at least L columns. */
    static boolean appliesToBackwardData(ConvGeometry g) {
        return applies(g) && g.w >= L && g.ph <= 2 * g.dh && g.pw <= 2 * g.dw;
    }

    /** {@link Conv2dKernels#forward} for {@link #applies} geometries. */
    static void forward(float[] x, int xOff, float[] w, int wOff, ConvGeometry g, float[] y, int yOff) {
        run(x, xOff, g.h, g.w, g.ph, g.pw, w, wOff, false, g.dh, g.dw, y, yOff, g.p, g.q, g.n * g.c, g.c);
    }

    /** {@link Conv2dKernels#backwardData} for {@link #appliesToBackwardData} geometries. */
    static void backwardData(float[] dy, int dyOff, float[] w, int wOff, ConvGeometry g, float[] dx, int dxOff) {
        run(dy, dyOff, g.p, g.q, 2 * g.dh - g.ph, 2 * g.dw - g.pw, w, wOff, true, g.dh, g.dw, dx, dxOff, g.h, g.w, g.n * g.c, g.c);
    }

    /**
     * {@code out[pl][p][q] = Σ_{r,s} in[pl][p − ph + r·dh][q − pw + s·dw] · w[pl mod C][r][s]} over
     * planes {@code pl}, with the kernel flipped in r and s when {@code flip}.
     */
    private static void run(float[] in, int inOff, int h, int w, int ph, int pw, float[] wt, int wOff, boolean flip, int dh, int dw,
                            float[] out, int outOff, int p, int q, int planes, int channels) {
        int hp = h + 2 * ph, wp = w + 2 * pw;
        Parallel.forRange(planes, Conv2dKernels.grain(9L * p * q), (from, to) -> {
            float[] xp = PLANE.floats(hp * wp);
            for (int pl = from; pl < to; pl++) {
                pad(in, inOff + pl * h * w, h, w, ph, pw, xp, hp, wp);
                int wb = wOff + (pl % channels) * 9;
                plane(xp, wp, dh, dw, wt, wb, flip, out, outOff + pl * p * q, p, q);
            }
        });
    }

    /** One output plane from a padded input plane (Note [Vector depthwise 3×3]). */
    private static void plane(float[] xp, int wp, int dh, int dw, float[] wt, int wb, boolean flip, float[] out, int o, int p, int q) {
        FloatVector w00 = weight(wt, wb, flip, 0, 0), w01 = weight(wt, wb, flip, 0, 1), w02 = weight(wt, wb, flip, 0, 2);
        FloatVector w10 = weight(wt, wb, flip, 1, 0), w11 = weight(wt, wb, flip, 1, 1), w12 = weight(wt, wb, flip, 1, 2);
        FloatVector w20 = weight(wt, wb, flip, 2, 0), w21 = weight(wt, wb, flip, 2, 1), w22 = weight(wt, wb, flip, 2, 2);
        int r1 = dh * wp, r2 = 2 * dh * wp, s1 = dw, s2 = 2 * dw;
        for (int row = 0; row < p; row++) {
            int base = row * wp, dst = o + row * q;
            for (int q0 = 0; q0 < q; q0 += L) {
                int c = Math.min(q0, q - L), a = base + c;
                FloatVector t0 = FloatVector.fromArray(S, xp, a).mul(w00)
                        .add(FloatVector.fromArray(S, xp, a + s1).mul(w01)).add(FloatVector.fromArray(S, xp, a + s2).mul(w02));
                FloatVector t1 = FloatVector.fromArray(S, xp, a + r1).mul(w10)
                        .add(FloatVector.fromArray(S, xp, a + r1 + s1).mul(w11)).add(FloatVector.fromArray(S, xp, a + r1 + s2).mul(w12));
                FloatVector t2 = FloatVector.fromArray(S, xp, a + r2).mul(w20)
                        .add(FloatVector.fromArray(S, xp, a + r2 + s1).mul(w21)).add(FloatVector.fromArray(S, xp, a + r2 + s2).mul(w22));
                t0.add(t1).add(t2).intoArray(out, dst + c);
            }
        }
    }

    /** Tap (r, s) of the kernel at {@code wb}, or of the flipped kernel, broadcast. */
    private static FloatVector weight(float[] wt, int wb, boolean flip, int r, int s) {
        return FloatVector.broadcast(S, flip ? wt[wb + (2 - r) * 3 + (2 - s)] : wt[wb + r * 3 + s]);
    }

    /** Copies an [h, w] plane into a zeroed [hp, wp] buffer at (ph, pw). */
    private static void pad(float[] in, int src, int h, int w, int ph, int pw, float[] xp, int hp, int wp) {
        Arrays.fill(xp, 0, ph * wp, 0);
        for (int row = 0; row < h; row++) {
            int d = (row + ph) * wp;
            Arrays.fill(xp, d, d + pw, 0);
            System.arraycopy(in, src + row * w, xp, d + pw, w);
            Arrays.fill(xp, d + pw + w, d + wp, 0);
        }
        Arrays.fill(xp, (h + ph) * wp, hp * wp, 0);
    }

    /** {@link Conv2dKernels#backwardFilter} for {@link #applies} geometries: one task per channel. */
    static void backwardFilter(float[] x, int xOff, float[] dy, int dyOff, ConvGeometry g, float[] dw, int dwOff) {
        int hp = g.h + 2 * g.ph, wp = g.w + 2 * g.pw;
        Parallel.forRange(g.c, 1, (from, to) -> {
            float[] xp = PLANE.floats(hp * wp), lanes = new float[9 * L];
            for (int ch = from; ch < to; ch++) {
                channelFilter(x, xOff, dy, dyOff, g, ch, xp, wp, lanes);
                for (int t = 0; t < 9; t++) {
                    float total = 0;
                    for (int lane = 0; lane < L; lane++) total += lanes[t * L + lane];
                    dw[dwOff + ch * 9 + t] = total;
                }
            }
        });
    }

    /** The nine sums of one channel over the batch, lane by lane into {@code lanes[t·L + lane]}. */
    private static void channelFilter(float[] x, int xOff, float[] dy, int dyOff, ConvGeometry g, int ch, float[] xp, int wp,
                                      float[] lanes) {
        int hp = g.h + 2 * g.ph;
        Arrays.fill(lanes, 0, 9 * L, 0);
        for (int img = 0; img < g.n; img++) {
            int plane = img * g.c + ch;
            pad(x, xOff + plane * g.hw, g.h, g.w, g.ph, g.pw, xp, hp, wp);
            imageFilter(xp, wp, g.dh, g.dw, dy, dyOff + plane * g.pq, g.p, g.q, lanes);
        }
    }

    /**
     * Adds one image's nine tap sums into {@code lanes}. One flat loop over (row, vector): the nine
     * accumulators stay in registers only when no loop nests inside the one that carries them.
     */
    private static void imageFilter(float[] xp, int wp, int dh, int dw, float[] dy, int gp, int p, int q, float[] lanes) {
        int r1 = dh * wp, r2 = 2 * dh * wp, s1 = dw, s2 = 2 * dw;
        int vectors = (q + L - 1) / L, last = (vectors - 1) * L, shift = last - (q - L);   // the last vector starts at q − L
        FloatVector zero = FloatVector.zero(S);
        FloatVector a00 = zero, a01 = zero, a02 = zero, a10 = zero, a11 = zero, a12 = zero, a20 = zero, a21 = zero, a22 = zero;
        for (int it = 0, n = p * vectors; it < n; it++) {
            int row = it / vectors, q0 = (it - row * vectors) * L;
            int c = Math.min(q0, q - L), a = row * wp + c;
            // In the shifted last vector the first `shift` lanes were counted by the previous one. Always a
            // compare and blends (nothing to skip elsewhere): a mask picked by a conditional would lose its
            // exact class (Note [One loop per method] in VectorFloatLoops).
            VectorMask<Float> m = IOTA.compare(VectorOperators.GE, (float) (q0 == last ? shift : 0));
            FloatVector d = zero.blend(FloatVector.fromArray(S, dy, gp + row * q + c), m);
            a00 = d.fma(zero.blend(FloatVector.fromArray(S, xp, a), m), a00);
            a01 = d.fma(zero.blend(FloatVector.fromArray(S, xp, a + s1), m), a01);
            a02 = d.fma(zero.blend(FloatVector.fromArray(S, xp, a + s2), m), a02);
            a10 = d.fma(zero.blend(FloatVector.fromArray(S, xp, a + r1), m), a10);
            a11 = d.fma(zero.blend(FloatVector.fromArray(S, xp, a + r1 + s1), m), a11);
            a12 = d.fma(zero.blend(FloatVector.fromArray(S, xp, a + r1 + s2), m), a12);
            a20 = d.fma(zero.blend(FloatVector.fromArray(S, xp, a + r2), m), a20);
            a21 = d.fma(zero.blend(FloatVector.fromArray(S, xp, a + r2 + s1), m), a21);
            a22 = d.fma(zero.blend(FloatVector.fromArray(S, xp, a + r2 + s2), m), a22);
        }
        a00.add(FloatVector.fromArray(S, lanes, 0)).intoArray(lanes, 0);
        a01.add(FloatVector.fromArray(S, lanes, L)).intoArray(lanes, L);
        a02.add(FloatVector.fromArray(S, lanes, 2 * L)).intoArray(lanes, 2 * L);
        a10.add(FloatVector.fromArray(S, lanes, 3 * L)).intoArray(lanes, 3 * L);
        a11.add(FloatVector.fromArray(S, lanes, 4 * L)).intoArray(lanes, 4 * L);
        a12.add(FloatVector.fromArray(S, lanes, 5 * L)).intoArray(lanes, 5 * L);
        a20.add(FloatVector.fromArray(S, lanes, 6 * L)).intoArray(lanes, 6 * L);
        a21.add(FloatVector.fromArray(S, lanes, 7 * L)).intoArray(lanes, 7 * L);
        a22.add(FloatVector.fromArray(S, lanes, 8 * L)).intoArray(lanes, 8 * L);
    }
}
