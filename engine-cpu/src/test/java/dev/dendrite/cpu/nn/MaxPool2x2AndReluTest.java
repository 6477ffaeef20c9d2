package dev.dendrite.cpu.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dendrite.cpu.gemm.Gemm;
import dev.dendrite.ops.ActivationOp;
import dev.dendrite.ops.Pool2dParams;
import dev.dendrite.ops.PoolMode;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The 2×2 max-pooling loops (Note [2×2 max pooling]) and the vector ReLU gradient against their
 * textbook twins, bit for bit, on data full of the cases the fast paths treat specially: ties,
 * −0 next to +0, NaN in every window position, infinities.
 */
class MaxPool2x2AndReluTest {
    private static final Pool2dParams MAX2 = Pool2dParams.of(PoolMode.MAX, 2, 2, 0);
    private static final float[] PICK = {0f, -0f, 1f, 1f, -1f, 2f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.5f};

    /** The textbook: the window's first element that is NaN, else the first strictly greater than every earlier one. */
    private static int firstMax(float[] x, int[] idx) {
        int best = idx[0];
        for (int i : idx) {
            if (x[i] != x[i]) return i;
            if (x[i] > x[best]) best = i;
        }
        return best;
    }

    private static float[] data(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = rnd.nextInt(4) == 0 ? (float) rnd.nextGaussian() : PICK[rnd.nextInt(PICK.length)];
        return x;
    }

    @Test
    void forwardAndBackwardMatchTheTextbookBitForBit() {
        Random rnd = new Random(11);
        for (int[] xs : new int[][]{{2, 3, 6, 8}, {1, 2, 7, 9}, {3, 1, 5, 4}, {1, 1, 2, 2}, {2, 2, 1, 6}}) {
            int n = xs[0] * xs[1], h = xs[2], w = xs[3], ph = h / 2, pw = w / 2;
            int[] ys = {xs[0], xs[1], ph, pw};
            for (int trial = 0; trial < 20; trial++) {
                float[] x = data(rnd, n * h * w), dy = data(rnd, n * ph * pw);
                float[] y = new float[n * ph * pw + 1], dx = new float[n * h * w + 1];
                java.util.Arrays.fill(dx, Float.NaN);   // every element must be written
                y[y.length - 1] = dx[dx.length - 1] = 42f;
                Pool2dKernels.forward(x, 0, xs, MAX2, y, 0, ys);
                Pool2dKernels.backward(x, 0, y, 0, dy, 0, xs, ys, MAX2, dx, 0);
                float[] dxExpected = new float[n * h * w];
                for (int pl = 0; pl < n; pl++)
                    for (int i = 0; i < ph; i++)
                        for (int j = 0; j < pw; j++) {
                            int r0 = pl * h * w + 2 * i * w + 2 * j;
                            int win = firstMax(x, new int[]{r0, r0 + 1, r0 + w, r0 + w + 1});
                            int o = pl * ph * pw + i * pw + j;
                            String what = "maxPool2x2 " + java.util.Arrays.toString(xs) + " window " + o + " of " + x[r0] + ", "
                                    + x[r0 + 1] + ", " + x[r0 + w] + ", " + x[r0 + w + 1];
                            assertEquals(Float.floatToRawIntBits(x[win]), Float.floatToRawIntBits(y[o]), what);
                            dxExpected[win] += dy[o];
                        }
                for (int i = 0; i < dxExpected.length; i++)
                    assertEquals(Float.floatToRawIntBits(dxExpected[i]), Float.floatToRawIntBits(dx[i]),
                            "maxPool2x2 backward " + java.util.Arrays.toString(xs) + " dx[" + i + "]");
                assertEquals(42f, y[y.length - 1]);
                assertEquals(42f, dx[dx.length - 1]);
            }
        }
    }

    @Test
    void reluGradientMatchesTheScalarLoop() {
        Random rnd = new Random(12);
        for (int count : new int[]{0, 1, 15, 16, 17, 100, 1 << 15}) {
            float[] x = data(rnd, count), dy = data(rnd, count), dx = new float[count];
            ActivationKernels.backward(ActivationOp.RELU, x, 0, null, 0, dy, 0, 0, dx, 0, count);
            for (int i = 0; i < count; i++)
                assertEquals(Float.floatToRawIntBits(x[i] > 0 ? dy[i] : 0f), Float.floatToRawIntBits(dx[i]),
                        "relu backward n=" + count + " x=" + x[i] + " dy=" + dy[i] + " (vector: " + Gemm.isVectorized() + ")");
        }
    }
}
