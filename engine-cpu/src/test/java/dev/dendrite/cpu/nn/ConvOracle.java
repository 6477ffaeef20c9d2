package dev.dendrite.cpu.nn;

import dev.dendrite.ops.Conv2dParams;

/**
 * Textbook convolution in double, straight from the definitions, as the test oracle for
 * {@link Conv2dKernels}. Deliberately naive: seven nested loops and bounds tests per tap. The data
 * gradient is written as a gather over the taps that read each input element (not as the
 * kernels' scatter), so it checks the fast path independently.
 */
final class ConvOracle {
    private ConvOracle() {
    }

    static int[] outputShape(int[] xs, int[] ws, Conv2dParams p) {
        return new int[]{xs[0], ws[0],
                Conv2dParams.outputSize(xs[2], ws[2], p.strideH(), p.padH(), p.dilationH()),
                Conv2dParams.outputSize(xs[3], ws[3], p.strideW(), p.padW(), p.dilationW())};
    }

    /** {@code y[n,k,p,q] = Σ_{c,r,s} x[n, g·C/G + c, p·sh − ph + r·dh, q·sw − pw + s·dw] · w[k,c,r,s]}. */
    static double[] forward(double[] x, int[] xs, double[] w, int[] ws, Conv2dParams prm) {
        int[] ys = outputShape(xs, ws, prm);
        int N = xs[0], C = xs[1], H = xs[2], W = xs[3], K = ws[0], Cg = ws[1], R = ws[2], S = ws[3];
        int P = ys[2], Q = ys[3], Kg = K / prm.groups();
        double[] y = new double[N * K * P * Q];
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++)
                for (int p = 0; p < P; p++)
                    for (int q = 0; q < Q; q++) {
                        double sum = 0;
                        for (int c = 0; c < Cg; c++)
                            for (int r = 0; r < R; r++)
                                for (int s = 0; s < S; s++) {
                                    int ih = p * prm.strideH() - prm.padH() + r * prm.dilationH();
                                    int iw = q * prm.strideW() - prm.padW() + s * prm.dilationW();
                                    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                    int ic = (k / Kg) * Cg + c;
                                    sum += x[((n * C + ic) * H + ih) * W + iw] * w[((k * Cg + c) * R + r) * S + s];
                                }
                        y[((n * K + k) * P + p) * Q + q] = sum;
                    }
        return y;
    }

    /**
     * {@code dx[n,ic,h,w] = Σ} over output channels k of ic's group and taps (r, s) of
     * {@code dy[n,k,p,q] · w[k,c,r,s]} for the (p, q) with {@code p·sh − ph + r·dh = h} and
     * {@code q·sw − pw + s·dw = w}, when such an output position exists.
     */
    static double[] backwardData(double[] dy, int[] ys, double[] w, int[] ws, Conv2dParams prm, int[] xs) {
        int N = xs[0], C = xs[1], H = xs[2], W = xs[3], K = ws[0], Cg = ws[1], R = ws[2], S = ws[3];
        int P = ys[2], Q = ys[3], Kg = K / prm.groups();
        double[] dx = new double[N * C * H * W];
        for (int n = 0; n < N; n++)
            for (int ic = 0; ic < C; ic++)
                for (int h = 0; h < H; h++)
                    for (int iw = 0; iw < W; iw++) {
                        double sum = 0;
                        int grp = ic / Cg, c = ic % Cg;
                        for (int k = grp * Kg; k < (grp + 1) * Kg; k++)
                            for (int r = 0; r < R; r++) {
                                int pNum = h + prm.padH() - r * prm.dilationH();
                                if (pNum < 0 || pNum % prm.strideH() != 0 || pNum / prm.strideH() >= P) continue;
                                int p = pNum / prm.strideH();
                                for (int s = 0; s < S; s++) {
                                    int qNum = iw + prm.padW() - s * prm.dilationW();
                                    if (qNum < 0 || qNum % prm.strideW() != 0 || qNum / prm.strideW() >= Q) continue;
                                    int q = qNum / prm.strideW();
                                    sum += dy[((n * K + k) * P + p) * Q + q] * w[((k * Cg + c) * R + r) * S + s];
                                }
                            }
                        dx[((n * C + ic) * H + h) * W + iw] = sum;
                    }
        return dx;
    }

    /** {@code dw[k,c,r,s] = Σ_{n,p,q} dy[n,k,p,q] · x[n, g·C/G + c, p·sh − ph + r·dh, q·sw − pw + s·dw]}. */
    static double[] backwardFilter(double[] x, int[] xs, double[] dy, int[] ys, Conv2dParams prm, int[] ws) {
        int N = xs[0], C = xs[1], H = xs[2], W = xs[3], K = ws[0], Cg = ws[1], R = ws[2], S = ws[3];
        int P = ys[2], Q = ys[3], Kg = K / prm.groups();
        double[] dw = new double[K * Cg * R * S];
        for (int k = 0; k < K; k++)
            for (int c = 0; c < Cg; c++)
                for (int r = 0; r < R; r++)
                    for (int s = 0; s < S; s++) {
                        double sum = 0;
                        for (int n = 0; n < N; n++)
                            for (int p = 0; p < P; p++)
                                for (int q = 0; q < Q; q++) {
                                    int ih = p * prm.strideH() - prm.padH() + r * prm.dilationH();
                                    int iw = q * prm.strideW() - prm.padW() + s * prm.dilationW();
                                    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                    int ic = (k / Kg) * Cg + c;
                                    sum += dy[((n * K + k) * P + p) * Q + q] * x[((n * C + ic) * H + ih) * W + iw];
                                }
                        dw[((k * Cg + c) * R + r) * S + s] = sum;
                    }
        return dw;
    }

    /** {@code db[k] = Σ_{n,p,q} dy[n,k,p,q]}. */
    static double[] backwardBias(double[] dy, int[] ys) {
        int N = ys[0], K = ys[1], PQ = ys[2] * ys[3];
        double[] db = new double[K];
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++)
                for (int i = 0; i < PQ; i++) db[k] += dy[(n * K + k) * PQ + i];
        return db;
    }
}
