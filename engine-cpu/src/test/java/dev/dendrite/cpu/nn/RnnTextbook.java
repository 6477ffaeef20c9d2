package dev.dendrite.cpu.nn;

import dev.dendrite.ops.RnnParams;
import dev.dendrite.random.Philox;

/**
 * The textbook recurrent network, the oracle for {@link RnnKernels}: one sequence at a time, one
 * step at a time, one cell at a time, every dot product an explicit loop, in double. Each sequence
 * runs over its own steps only ({@code [0, len)}, the reverse direction from {@code len − 1} down), so
 * this checks the fast path's padding carry (Note [Padded sequences...]) against packed-sequence
 * semantics written out directly. Equations as on {@link RnnParams}.
 */
final class RnnTextbook {
    private RnnTextbook() {
    }

    /** y {@code [T, N, D·H]}, hy and cy {@code [L·D, N, H]} (cy null unless LSTM). */
    record Out(double[] y, double[] hy, double[] cy) {
    }

    /**
     * @param x {@code [T, N, in]} row-major
     * @param h0 {@code [L·D, N, H]} or null
     * @param c0 {@code [L·D, N, H]} or null
     * @param w the 4·L·D weights, row-major, biases may be null
     */
    static Out forward(RnnParams p, boolean training, long stream, int steps, int batch, int[] lens,
                       double[] x, double[] h0, double[] c0, double[][] w) {
        int L = p.numLayers(), D = p.directions(), H = p.hiddenSize(), DH = D * H;
        double[] hy = new double[L * D * batch * H], cy = new double[L * D * batch * H];
        double[] input = x;
        double[] out = null;
        for (int l = 0; l < L; l++) {
            int in = p.layerInputSize(l);
            out = new double[steps * batch * DH];
            for (int d = 0; d < D; d++) {
                int ld = l * D + d;
                double[] wih = w[p.weightIndex(l, d, 0)], whh = w[p.weightIndex(l, d, 1)];
                double[] bih = w[p.weightIndex(l, d, 2)], bhh = w[p.weightIndex(l, d, 3)];
                for (int n = 0; n < batch; n++) {
                    int len = lens == null ? steps : lens[n];
                    double[] h = new double[H], c = new double[H];
                    for (int j = 0; j < H; j++) {
                        if (h0 != null) h[j] = h0[(ld * batch + n) * H + j];
                        if (c0 != null) c[j] = c0[(ld * batch + n) * H + j];
                    }
                    for (int s = 0; s < len; s++) {
                        int t = d == 0 ? s : len - 1 - s;
                        double[] xt = new double[in];
                        for (int k = 0; k < in; k++) xt[k] = input[(t * batch + n) * in + k];
                        double[][] hc = cell(p, xt, h, c, wih, whh, bih, bhh, in);
                        h = hc[0];
                        c = hc[1];
                        for (int j = 0; j < H; j++) out[(t * batch + n) * DH + d * H + j] = h[j];
                    }
                    for (int j = 0; j < H; j++) {
                        hy[(ld * batch + n) * H + j] = h[j];
                        cy[(ld * batch + n) * H + j] = c[j];
                    }
                }
            }
            if (l < L - 1 && training && p.dropout() > 0) {
                // Element e of the logical mask [L−1, T, N, D·H]: kept iff its Philox float uniform >= p.
                long base = (long) l * out.length;
                for (int e = 0; e < out.length; e++)
                    out[e] = Philox.keep(p.dropoutSeed(), stream, base + e, (float) p.dropout()) ? out[e] / (1 - p.dropout()) : 0;
            }
            input = out;
        }
        return new Out(out, hy, p.mode() == dev.dendrite.ops.RnnMode.LSTM ? cy : null);
    }

    /** One cell: returns {h', c'} (c' = c unless LSTM). */
    static double[][] cell(RnnParams p, double[] x, double[] h, double[] c, double[] wih, double[] whh,
                           double[] bih, double[] bhh, int in) {
        int H = p.hiddenSize(), G = p.gates();
        // a[g][j] = W_ih[g·H + j, :]·x + b_ih[g·H + j];  b[g][j] = W_hh[g·H + j, :]·h + b_hh[g·H + j]
        double[][] a = new double[G][H], b = new double[G][H];
        for (int g = 0; g < G; g++) {
            for (int j = 0; j < H; j++) {
                int row = g * H + j;
                double sa = bih == null ? 0 : bih[row], sb = bhh == null ? 0 : bhh[row];
                for (int k = 0; k < in; k++) sa += wih[row * in + k] * x[k];
                for (int k = 0; k < H; k++) sb += whh[row * H + k] * h[k];
                a[g][j] = sa;
                b[g][j] = sb;
            }
        }
        double[] hn = new double[H], cn = c.clone();
        for (int j = 0; j < H; j++) {
            switch (p.mode()) {
                case RNN_TANH -> hn[j] = Math.tanh(a[0][j] + b[0][j]);
                case RNN_RELU -> hn[j] = Math.max(0, a[0][j] + b[0][j]);
                case LSTM -> {
                    double i = sig(a[0][j] + b[0][j]), f = sig(a[1][j] + b[1][j]);
                    double g = Math.tanh(a[2][j] + b[2][j]), o = sig(a[3][j] + b[3][j]);
                    cn[j] = f * c[j] + i * g;
                    hn[j] = o * Math.tanh(cn[j]);
                }
                case GRU -> {
                    double r = sig(a[0][j] + b[0][j]), z = sig(a[1][j] + b[1][j]);
                    double n = Math.tanh(a[2][j] + r * b[2][j]);
                    hn[j] = (1 - z) * n + z * h[j];
                }
            }
        }
        return new double[][]{hn, cn};
    }

    private static double sig(double v) {
        return 1 / (1 + Math.exp(-v));
    }
}
