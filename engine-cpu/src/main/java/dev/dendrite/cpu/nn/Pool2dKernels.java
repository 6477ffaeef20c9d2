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
        if (isMax2x2(p)) {
            Parallel.forRange(planes, planeGrain(4L * ph * pw), (from, to) -> {
                for (int plane = from; plane < to; plane++) max2x2Forward(x, xOff + plane * h * w, w, y, yOff + plane * ph * pw, ph, pw);
            });
            return;
        }
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
        if (isMax2x2(p)) {
            Parallel.forRange(planes, planeGrain(4L * ph * pw), (from, to) -> {
                for (int plane = from; plane < to; plane++)
                    max2x2Backward(x, xOff + plane * h * w, h, w, dy, dyOff + plane * ph * pw, ph, pw, dx, dxOff + plane * h * w);
            });
            return;
        }
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

    // Note [2×2 max pooling]: the window of LeNet, VGG and most CNNs (kernel 2, stride 2, no padding) gets
    // its own loops: windows do not overlap and are always whole. The winner must be firstMax's (the
    // first NaN, else the first element strictly greater than all before it). The generic loop's
    // data-dependent branches are mispredicted for about half of the windows of random-signed data
    // (17 ns per window), and the JIT keeps float selects as branches, so:
    //  - the window's value is Math.max of the four, which the JIT compiles branch-free. It is firstMax's
    //    value except for the sign of a zero maximum (Math.max puts +0 above −0, firstMax keeps the
    //    first zero), so a zero maximum is replaced by the first zero; NaN is right as it is, since
    //    Math.max returns its first operand when that is NaN, so the nesting below returns the first NaN;
    //  - the winner's position is the first element equal to that value (== treats −0 and +0 alike),
    //    chosen with int selects, which the JIT compiles to conditional moves; dx is cleared with one
    //    fill and receives one store per window.
    // About 2 ns per window forward and 3 ns backward.

    static boolean isMax2x2(Pool2dParams p) {
        return p.mode() == PoolMode.MAX && p.kernelH() == 2 && p.kernelW() == 2 && p.strideH() == 2 && p.strideW() == 2
                && p.padH() == 0 && p.padW() == 0;
    }

    /** One plane: {@code y[i][j] = x[firstMax of x[2i..2i+1][2j..2j+1]]}. Note [2×2 max pooling]. */
    static void max2x2Forward(float[] x, int xp, int w, float[] y, int yp, int ph, int pw) {
        for (int i = 0; i < ph; i++) {
            int r0 = xp + 2 * i * w, r1 = r0 + w, yr = yp + i * pw;
            for (int j = 0; j < pw; j++) {
                float a = x[r0 + 2 * j], b = x[r0 + 2 * j + 1], c = x[r1 + 2 * j], d = x[r1 + 2 * j + 1];
                float m = Math.max(Math.max(a, b), Math.max(c, d));
                if (m == 0) m = a == 0 ? a : b == 0 ? b : c == 0 ? c : d;
                y[yr + j] = m;
            }
        }
    }

    /** One plane of the max-pooling gradient; all of dx is written. Note [2×2 max pooling]. */
    static void max2x2Backward(float[] x, int xp, int h, int w, float[] dy, int gp, int ph, int pw, float[] dx, int dp) {
        Arrays.fill(dx, dp, dp + h * w, 0);
        for (int i = 0; i < ph; i++) {
            int r0 = 2 * i * w, r1 = r0 + w, gr = gp + i * pw;
            for (int j = 0; j < pw; j++) {
                int c0 = r0 + 2 * j, c1 = r1 + 2 * j;
                float a = x[xp + c0], b = x[xp + c0 + 1], c = x[xp + c1], d = x[xp + c1 + 1];
                float m = Math.max(Math.max(a, b), Math.max(c, d));
                int at = c == m ? c1 : c1 + 1;
                at = b == m ? c0 + 1 : at;
                at = a == m ? c0 : at;
                if (m != m) at = a != a ? c0 : b != b ? c0 + 1 : c != c ? c1 : c1 + 1;
                dx[dp + at] += dy[gr + j];   // += (not =) as the generic loop: 0 + (−0) is +0
            }
        }
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
