package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.Parallel;
import dev.dendrite.ops.Pool2dParams;
import dev.dendrite.ops.PoolMode;
import java.util.Arrays;

/**
 * 2-D max and average pooling on contiguous NCHW arrays (cuDNN semantics, see {@link PoolMode}), in
 * float and double, parallel over the N·C planes. Shapes are validated by the caller; padding is
 * smaller than the window, so every window holds at least one input element.
 *
 * <p>Window {@code (p, q)} covers input rows {@code [p·sh − ph, p·sh − ph + kh)} and columns
 * {@code [q·sw − pw, q·sw − pw + kw)}, clipped to the input. Max pooling never sees the padding.
 * NaN propagates: the first NaN of a window is its maximum (and receives its gradient), as in PyTorch.
 * The backward pass of max pooling recomputes each window's first maximum from x, so it agrees with
 * the forward pass by construction; y is not read.
 */
public final class Pool2dKernels {
    private Pool2dKernels() {
    }

    private static int planeGrain(long planeWork) {
        return Conv2dKernels.grain(planeWork);
    }

    // ---- float ---------------------------------------------------------------------------

    /**
     * Reduces every window of x to one output: its maximum or its mean (see {@link PoolMode}).
     *
     * @param x input {@code [N, C, H, W]}
     * @param y output {@code [N, C, P, Q]} with {@code P = floor((H + 2·ph − kh)/sh) + 1} (likewise Q), overwritten
     */
    public static void forward(float[] x, int xOff, int[] xShape, Pool2dParams p, float[] y, int yOff, int[] yShape) {
        int planes = xShape[0] * xShape[1], h = xShape[2], w = xShape[3], ph = yShape[2], pw = yShape[3];
        PoolMode mode = p.mode();
        Parallel.forRange(planes, planeGrain((long) ph * pw * p.kernelH() * p.kernelW()), (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int xp = xOff + plane * h * w, yp = yOff + plane * ph * pw;
                for (int i = 0; i < ph; i++) {
                    int h0 = i * p.strideH() - p.padH();
                    int hLo = Math.max(0, h0), hHi = Math.min(h, h0 + p.kernelH());
                    for (int j = 0; j < pw; j++) {
                        int w0 = j * p.strideW() - p.padW();
                        int wLo = Math.max(0, w0), wHi = Math.min(w, w0 + p.kernelW());
                        float out = switch (mode) {
                            case MAX -> x[firstMax(x, xp, w, hLo, hHi, wLo, wHi)];
                            case AVG_INCLUDE_PAD -> windowSum(x, xp, w, hLo, hHi, wLo, wHi) / (p.kernelH() * p.kernelW());
                            case AVG_EXCLUDE_PAD -> windowSum(x, xp, w, hLo, hHi, wLo, wHi) / ((hHi - hLo) * (wHi - wLo));
                        };
                        y[yp + i * pw + j] = out;
                    }
                }
            }
        });
    }

    /**
     * Gradient of {@link #forward} in x. MAX sends each {@code dy} to its window's first maximum
     * (row-major order); the averages spread {@code dy / divisor} over the window's in-bounds elements.
     *
     * @param x  the forward input {@code [N, C, H, W]}
     * @param y  the forward output {@code [N, C, P, Q]} (not read: see the class comment)
     * @param dy output gradient {@code [N, C, P, Q]}
     * @param dx input gradient {@code [N, C, H, W]}, overwritten
     */
    public static void backward(float[] x, int xOff, float[] y, int yOff, float[] dy, int dyOff,
                                int[] xShape, int[] yShape, Pool2dParams p, float[] dx, int dxOff) {
        int planes = xShape[0] * xShape[1], h = xShape[2], w = xShape[3], ph = yShape[2], pw = yShape[3];
        PoolMode mode = p.mode();
        Parallel.forRange(planes, planeGrain((long) ph * pw * p.kernelH() * p.kernelW()), (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int xp = xOff + plane * h * w, gp = dxOff + plane * h * w, yp = dyOff + plane * ph * pw;
                Arrays.fill(dx, gp, gp + h * w, 0);
                for (int i = 0; i < ph; i++) {
                    int h0 = i * p.strideH() - p.padH();
                    int hLo = Math.max(0, h0), hHi = Math.min(h, h0 + p.kernelH());
                    for (int j = 0; j < pw; j++) {
                        int w0 = j * p.strideW() - p.padW();
                        int wLo = Math.max(0, w0), wHi = Math.min(w, w0 + p.kernelW());
                        float g = dy[yp + i * pw + j];
                        int divisor = switch (mode) {
                            case MAX -> 0; // routed to the first maximum below
                            case AVG_INCLUDE_PAD -> p.kernelH() * p.kernelW();
                            case AVG_EXCLUDE_PAD -> (hHi - hLo) * (wHi - wLo);
                        };
                        if (divisor == 0) dx[gp + firstMax(x, xp, w, hLo, hHi, wLo, wHi) - xp] += g;
                        else spread(dx, gp, w, hLo, hHi, wLo, wHi, g / divisor);
                    }
                }
            }
        });
    }

    /** Array index of the first maximum (first NaN, if any) of the window, in row-major order. */
    private static int firstMax(float[] x, int xp, int w, int hLo, int hHi, int wLo, int wHi) {
        int best = xp + hLo * w + wLo;
        float m = x[best];
        if (m != m) return best;
        for (int hh = hLo; hh < hHi; hh++) {
            int row = xp + hh * w;
            for (int ww = wLo; ww < wHi; ww++) {
                float v = x[row + ww];
                if (v > m) {
                    m = v;
                    best = row + ww;
                } else if (v != v) {
                    return row + ww;
                }
            }
        }
        return best;
    }

    private static float windowSum(float[] x, int xp, int w, int hLo, int hHi, int wLo, int wHi) {
        float sum = 0;
        for (int hh = hLo; hh < hHi; hh++) {
            int row = xp + hh * w;
            for (int ww = wLo; ww < wHi; ww++) sum += x[row + ww];
        }
        return sum;
    }

    private static void spread(float[] dx, int gp, int w, int hLo, int hHi, int wLo, int wHi, float g) {
        for (int hh = hLo; hh < hHi; hh++) {
            int row = gp + hh * w;
            for (int ww = wLo; ww < wHi; ww++) dx[row + ww] += g;
        }
    }

    // ---- double: the float code above with the element type changed -----------------------

    /**
     * Reduces every window of x to one output: its maximum or its mean (see {@link PoolMode}).
     *
     * @param x input {@code [N, C, H, W]}
     * @param y output {@code [N, C, P, Q]} with {@code P = floor((H + 2·ph − kh)/sh) + 1} (likewise Q), overwritten
     */
    public static void forward(double[] x, int xOff, int[] xShape, Pool2dParams p, double[] y, int yOff, int[] yShape) {
        int planes = xShape[0] * xShape[1], h = xShape[2], w = xShape[3], ph = yShape[2], pw = yShape[3];
        PoolMode mode = p.mode();
        Parallel.forRange(planes, planeGrain((long) ph * pw * p.kernelH() * p.kernelW()), (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int xp = xOff + plane * h * w, yp = yOff + plane * ph * pw;
                for (int i = 0; i < ph; i++) {
                    int h0 = i * p.strideH() - p.padH();
                    int hLo = Math.max(0, h0), hHi = Math.min(h, h0 + p.kernelH());
                    for (int j = 0; j < pw; j++) {
                        int w0 = j * p.strideW() - p.padW();
                        int wLo = Math.max(0, w0), wHi = Math.min(w, w0 + p.kernelW());
                        double out = switch (mode) {
                            case MAX -> x[firstMax(x, xp, w, hLo, hHi, wLo, wHi)];
                            case AVG_INCLUDE_PAD -> windowSum(x, xp, w, hLo, hHi, wLo, wHi) / (p.kernelH() * p.kernelW());
                            case AVG_EXCLUDE_PAD -> windowSum(x, xp, w, hLo, hHi, wLo, wHi) / ((hHi - hLo) * (wHi - wLo));
                        };
                        y[yp + i * pw + j] = out;
                    }
                }
            }
        });
    }

    /**
     * Gradient of {@link #forward} in x. MAX sends each {@code dy} to its window's first maximum
     * (row-major order); the averages spread {@code dy / divisor} over the window's in-bounds elements.
     *
     * @param x  the forward input {@code [N, C, H, W]}
     * @param y  the forward output {@code [N, C, P, Q]} (not read: see the class comment)
     * @param dy output gradient {@code [N, C, P, Q]}
     * @param dx input gradient {@code [N, C, H, W]}, overwritten
     */
    public static void backward(double[] x, int xOff, double[] y, int yOff, double[] dy, int dyOff,
                                int[] xShape, int[] yShape, Pool2dParams p, double[] dx, int dxOff) {
        int planes = xShape[0] * xShape[1], h = xShape[2], w = xShape[3], ph = yShape[2], pw = yShape[3];
        PoolMode mode = p.mode();
        Parallel.forRange(planes, planeGrain((long) ph * pw * p.kernelH() * p.kernelW()), (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int xp = xOff + plane * h * w, gp = dxOff + plane * h * w, yp = dyOff + plane * ph * pw;
                Arrays.fill(dx, gp, gp + h * w, 0);
                for (int i = 0; i < ph; i++) {
                    int h0 = i * p.strideH() - p.padH();
                    int hLo = Math.max(0, h0), hHi = Math.min(h, h0 + p.kernelH());
                    for (int j = 0; j < pw; j++) {
                        int w0 = j * p.strideW() - p.padW();
                        int wLo = Math.max(0, w0), wHi = Math.min(w, w0 + p.kernelW());
                        double g = dy[yp + i * pw + j];
                        int divisor = switch (mode) {
                            case MAX -> 0; // routed to the first maximum below
                            case AVG_INCLUDE_PAD -> p.kernelH() * p.kernelW();
                            case AVG_EXCLUDE_PAD -> (hHi - hLo) * (wHi - wLo);
                        };
                        if (divisor == 0) dx[gp + firstMax(x, xp, w, hLo, hHi, wLo, wHi) - xp] += g;
                        else spread(dx, gp, w, hLo, hHi, wLo, wHi, g / divisor);
                    }
                }
            }
        });
    }

    /** Array index of the first maximum (first NaN, if any) of the window, in row-major order. */
    private static int firstMax(double[] x, int xp, int w, int hLo, int hHi, int wLo, int wHi) {
        int best = xp + hLo * w + wLo;
        double m = x[best];
        if (m != m) return best;
        for (int hh = hLo; hh < hHi; hh++) {
            int row = xp + hh * w;
            for (int ww = wLo; ww < wHi; ww++) {
                double v = x[row + ww];
                if (v > m) {
                    m = v;
                    best = row + ww;
                } else if (v != v) {
                    return row + ww;
                }
            }
        }
        return best;
    }

    private static double windowSum(double[] x, int xp, int w, int hLo, int hHi, int wLo, int wHi) {
        double sum = 0;
        for (int hh = hLo; hh < hHi; hh++) {
            int row = xp + hh * w;
            for (int ww = wLo; ww < wHi; ww++) sum += x[row + ww];
        }
        return sum;
    }

    private static void spread(double[] dx, int gp, int w, int hLo, int hHi, int wLo, int wHi, double g) {
        for (int hh = hLo; hh < hHi; hh++) {
            int row = gp + hh * w;
            for (int ww = wLo; ww < wHi; ww++) dx[row + ww] += g;
        }
    }
}
