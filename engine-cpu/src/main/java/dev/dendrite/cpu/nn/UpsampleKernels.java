package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.Parallel;
import dev.dendrite.ops.UpsampleMode;
import java.util.Arrays;

/**
 * 2× upsampling along H and W of contiguous NCHW arrays and its gradient, in float and double,
 * parallel over the N·C planes. x is {@code [N, C, H, W]}, y is {@code [N, C, 2H, 2W]}.
 *
 * <p>NEAREST: {@code y[2h + i, 2w + j] = x[h, w]}. BILINEAR (PyTorch, {@code align_corners=False}):
 * output row d reads source coordinate {@code src = max(0, (d + 0.5)/2 − 0.5)}, rows
 * {@code h0 = floor(src)} and {@code h1 = min(h0 + 1, H − 1)} with weights {@code 1 − λ, λ} where
 * {@code λ = src − h0}; likewise for columns, and the two interpolations multiply. At scale 2 the
 * weights are exactly 0, 1/4 or 3/4, so float and double compute them without rounding.
 */
public final class UpsampleKernels {
    private UpsampleKernels() {
    }

    /**
     * Source taps of one upsampled dimension: output index d reads {@code lo[d]} with weight
     * {@code 1 − frac[d]} and {@code hi[d]} with weight {@code frac[d]}.
     */
    private record Taps(int[] lo, int[] hi, double[] frac) {
        static Taps of(int in) {
            int out = 2 * in;
            int[] lo = new int[out], hi = new int[out];
            double[] frac = new double[out];
            for (int d = 0; d < out; d++) {
                double src = Math.max(0.0, (d + 0.5) / 2 - 0.5);
                lo[d] = (int) src;
                hi[d] = Math.min(lo[d] + 1, in - 1);
                frac[d] = src - lo[d];
            }
            return new Taps(lo, hi, frac);
        }
    }

    private static int planeGrain(int h, int w) {
        return Conv2dKernels.grain(4L * h * w);
    }

    // ---- float ---------------------------------------------------------------------------

    /**
     * Upsamples x by 2 along H and W.
     *
     * @param x input {@code [N, C, H, W]}
     * @param y output {@code [N, C, 2H, 2W]}, overwritten
     */
    public static void forward(UpsampleMode mode, float[] x, int xOff, int[] xShape, float[] y, int yOff) {
        int planes = xShape[0] * xShape[1], h = xShape[2], w = xShape[3], w2 = 2 * w;
        switch (mode) {
            case NEAREST -> Parallel.forRange(planes, planeGrain(h, w), (from, to) -> {
                for (int plane = from; plane < to; plane++) {
                    int xp = xOff + plane * h * w, yp = yOff + plane * 4 * h * w;
                    for (int hh = 0; hh < h; hh++) {
                        int src = xp + hh * w, dst = yp + 2 * hh * w2;
                        for (int ww = 0; ww < w; ww++) {
                            float v = x[src + ww];
                            y[dst + 2 * ww] = v;
                            y[dst + 2 * ww + 1] = v;
                        }
                        System.arraycopy(y, dst, y, dst + w2, w2);
                    }
                }
            });
            case BILINEAR -> {
                Taps rowTaps = Taps.of(h), colTaps = Taps.of(w);
                int[] c0s = colTaps.lo(), c1s = colTaps.hi();
                double[] lws = colTaps.frac();
                Parallel.forRange(planes, planeGrain(h, w), (from, to) -> {
                    for (int plane = from; plane < to; plane++) {
                        int xp = xOff + plane * h * w, yp = yOff + plane * 4 * h * w;
                        for (int d = 0; d < 2 * h; d++) {
                            float lh = (float) rowTaps.frac()[d];
                            int r0 = xp + rowTaps.lo()[d] * w, r1 = xp + rowTaps.hi()[d] * w, dst = yp + d * w2;
                            for (int e = 0; e < w2; e++) {
                                float lw = (float) lws[e];
                                int c0 = c0s[e], c1 = c1s[e];
                                y[dst + e] = (1 - lh) * ((1 - lw) * x[r0 + c0] + lw * x[r0 + c1])
                                        + lh * ((1 - lw) * x[r1 + c0] + lw * x[r1 + c1]);
                            }
                        }
                    }
                });
            }
        }
    }

    /**
     * Gradient of {@link #forward} in x: each {@code dy} element is added to the input elements
     * it was interpolated from, with the same weights.
     *
     * @param dy output gradient {@code [N, C, 2H, 2W]}
     * @param xShape the input shape {@code [N, C, H, W]}
     * @param dx input gradient {@code [N, C, H, W]}, overwritten
     */
    public static void backward(UpsampleMode mode, float[] dy, int dyOff, int[] xShape, float[] dx, int dxOff) {
        int planes = xShape[0] * xShape[1], h = xShape[2], w = xShape[3], w2 = 2 * w;
        switch (mode) {
            case NEAREST -> Parallel.forRange(planes, planeGrain(h, w), (from, to) -> {
                for (int plane = from; plane < to; plane++) {
                    int xp = dxOff + plane * h * w, yp = dyOff + plane * 4 * h * w;
                    for (int hh = 0; hh < h; hh++) {
                        int top = yp + 2 * hh * w2, bottom = top + w2, dst = xp + hh * w;
                        for (int ww = 0; ww < w; ww++) {
                            int e = 2 * ww;
                            dx[dst + ww] = (dy[top + e] + dy[top + e + 1]) + (dy[bottom + e] + dy[bottom + e + 1]);
                        }
                    }
                }
            });
            case BILINEAR -> {
                Taps rowTaps = Taps.of(h), colTaps = Taps.of(w);
                int[] c0s = colTaps.lo(), c1s = colTaps.hi();
                double[] lws = colTaps.frac();
                Parallel.forRange(planes, planeGrain(h, w), (from, to) -> {
                    for (int plane = from; plane < to; plane++) {
                        int xp = dxOff + plane * h * w, yp = dyOff + plane * 4 * h * w;
                        Arrays.fill(dx, xp, xp + h * w, 0);
                        for (int d = 0; d < 2 * h; d++) {
                            float lh = (float) rowTaps.frac()[d];
                            int r0 = xp + rowTaps.lo()[d] * w, r1 = xp + rowTaps.hi()[d] * w, src = yp + d * w2;
                            for (int e = 0; e < w2; e++) {
                                float lw = (float) lws[e];
                                int c0 = c0s[e], c1 = c1s[e];
                                float g = dy[src + e];
                                float g0 = (1 - lh) * g, g1 = lh * g;
                                dx[r0 + c0] += (1 - lw) * g0;
                                dx[r0 + c1] += lw * g0;
                                dx[r1 + c0] += (1 - lw) * g1;
                                dx[r1 + c1] += lw * g1;
                            }
                        }
                    }
                });
            }
        }
    }

    // ---- double: the float code above with the element type changed -----------------------

    /**
     * Upsamples x by 2 along H and W.
     *
     * @param x input {@code [N, C, H, W]}
     * @param y output {@code [N, C, 2H, 2W]}, overwritten
     */
    public static void forward(UpsampleMode mode, double[] x, int xOff, int[] xShape, double[] y, int yOff) {
        int planes = xShape[0] * xShape[1], h = xShape[2], w = xShape[3], w2 = 2 * w;
        switch (mode) {
            case NEAREST -> Parallel.forRange(planes, planeGrain(h, w), (from, to) -> {
                for (int plane = from; plane < to; plane++) {
                    int xp = xOff + plane * h * w, yp = yOff + plane * 4 * h * w;
                    for (int hh = 0; hh < h; hh++) {
                        int src = xp + hh * w, dst = yp + 2 * hh * w2;
                        for (int ww = 0; ww < w; ww++) {
                            double v = x[src + ww];
                            y[dst + 2 * ww] = v;
                            y[dst + 2 * ww + 1] = v;
                        }
                        System.arraycopy(y, dst, y, dst + w2, w2);
                    }
                }
            });
            case BILINEAR -> {
                Taps rowTaps = Taps.of(h), colTaps = Taps.of(w);
                int[] c0s = colTaps.lo(), c1s = colTaps.hi();
                double[] lws = colTaps.frac();
                Parallel.forRange(planes, planeGrain(h, w), (from, to) -> {
                    for (int plane = from; plane < to; plane++) {
                        int xp = xOff + plane * h * w, yp = yOff + plane * 4 * h * w;
                        for (int d = 0; d < 2 * h; d++) {
                            double lh = rowTaps.frac()[d];
                            int r0 = xp + rowTaps.lo()[d] * w, r1 = xp + rowTaps.hi()[d] * w, dst = yp + d * w2;
                            for (int e = 0; e < w2; e++) {
                                double lw = lws[e];
                                int c0 = c0s[e], c1 = c1s[e];
                                y[dst + e] = (1 - lh) * ((1 - lw) * x[r0 + c0] + lw * x[r0 + c1])
                                        + lh * ((1 - lw) * x[r1 + c0] + lw * x[r1 + c1]);
                            }
                        }
                    }
                });
            }
        }
    }

    /**
     * Gradient of {@link #forward} in x: each {@code dy} element is added to the input elements
     * it was interpolated from, with the same weights.
     *
     * @param dy output gradient {@code [N, C, 2H, 2W]}
     * @param xShape the input shape {@code [N, C, H, W]}
     * @param dx input gradient {@code [N, C, H, W]}, overwritten
     */
    public static void backward(UpsampleMode mode, double[] dy, int dyOff, int[] xShape, double[] dx, int dxOff) {
        int planes = xShape[0] * xShape[1], h = xShape[2], w = xShape[3], w2 = 2 * w;
        switch (mode) {
            case NEAREST -> Parallel.forRange(planes, planeGrain(h, w), (from, to) -> {
                for (int plane = from; plane < to; plane++) {
                    int xp = dxOff + plane * h * w, yp = dyOff + plane * 4 * h * w;
                    for (int hh = 0; hh < h; hh++) {
                        int top = yp + 2 * hh * w2, bottom = top + w2, dst = xp + hh * w;
                        for (int ww = 0; ww < w; ww++) {
                            int e = 2 * ww;
                            dx[dst + ww] = (dy[top + e] + dy[top + e + 1]) + (dy[bottom + e] + dy[bottom + e + 1]);
                        }
                    }
                }
            });
            case BILINEAR -> {
                Taps rowTaps = Taps.of(h), colTaps = Taps.of(w);
                int[] c0s = colTaps.lo(), c1s = colTaps.hi();
                double[] lws = colTaps.frac();
                Parallel.forRange(planes, planeGrain(h, w), (from, to) -> {
                    for (int plane = from; plane < to; plane++) {
                        int xp = dxOff + plane * h * w, yp = dyOff + plane * 4 * h * w;
                        Arrays.fill(dx, xp, xp + h * w, 0);
                        for (int d = 0; d < 2 * h; d++) {
                            double lh = rowTaps.frac()[d];
                            int r0 = xp + rowTaps.lo()[d] * w, r1 = xp + rowTaps.hi()[d] * w, src = yp + d * w2;
                            for (int e = 0; e < w2; e++) {
                                double lw = lws[e];
                                int c0 = c0s[e], c1 = c1s[e];
                                double g = dy[src + e];
                                double g0 = (1 - lh) * g, g1 = lh * g;
                                dx[r0 + c0] += (1 - lw) * g0;
                                dx[r0 + c1] += lw * g0;
                                dx[r1 + c0] += (1 - lw) * g1;
                                dx[r1 + c1] += lw * g1;
                            }
                        }
                    }
                });
            }
        }
    }
}
