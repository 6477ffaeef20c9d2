package dev.dendrite.cpu.nn;

import static dev.dendrite.cpu.nn.NnTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchNormKernelsTest {
    private static final double EPS = 1e-5;

    @Test
    void trainingForwardOnTwoByOneWorkedByHand() {
        // x = [[1], [3]] (N=2, C=1): μ = 2, biased σ² = ((1−2)² + (3−2)²)/2 = 1,
        // invStd = 1/√(1 + 1e-5) = 0.9999950000374997.
        // y = γ·(x − μ)·invStd + β with γ = 2, β = 0.5: 0.5 ∓ 1.9999900000749994.
        // Running stats from mean 0, var 1 with momentum 0.1, unbiased σ² = 1·2/(2−1) = 2:
        // mean 0.9·0 + 0.1·2 = 0.2, var 0.9·1 + 0.1·2 = 1.1.
        double[] x = {1, 3}, y = new double[2], rm = {0}, rv = {1}, sm = new double[1], si = new double[1];
        BatchNormKernels.forwardTraining(x, 0, 2, 1, 1, new double[]{2}, 0, new double[]{0.5}, 0, EPS, 0.1,
                rm, 0, rv, 0, y, 0, sm, 0, si, 0);
        assertArrayEquals(new double[]{-1.4999900000749995, 2.4999900000749995}, y, 1e-15);
        assertEquals(2, sm[0], 0);
        assertEquals(0.9999950000374997, si[0], 1e-16);
        assertEquals(0.2, rm[0], 1e-16);
        assertEquals(1.1, rv[0], 1e-15);

        // Float path with offsets gives the same values rounded to float.
        float[] xf = {9, 1, 3}, yf = new float[3], rmf = {7, 0}, rvf = {7, 1}, smf = new float[2], sif = new float[2];
        BatchNormKernels.forwardTraining(xf, 1, 2, 1, 1, new float[]{0, 2}, 1, new float[]{0, 0.5f}, 1, EPS, 0.1,
                rmf, 1, rvf, 1, yf, 1, smf, 1, sif, 1);
        assertArrayEquals(new float[]{0, -1.49999f, 2.49999f}, yf, 1e-6f);
        assertArrayEquals(new float[]{7, 0.2f}, rmf, 0);
        assertArrayEquals(new float[]{7, 1.1f}, rvf, 0);
        assertEquals(2f, smf[1], 0);
    }

    @Test
    void backwardOnTwoByOneWorkedByHand() {
        // x = [1, 3], γ = 2: x̂ = [−s, s] with s = invStd = 0.9999950000374997. dy = [1, 0]:
        // dβ = 1, dγ = Σ dy·x̂ = −s,
        // dx0 = γ·s/2·(2·1 − 1 − (−s)(−s)) = s·(1 − s²) = 9.999850001709384e-06, dx1 = s·(0 − 1 + s²) = −dx0.
        // (With two samples y is ±γ up to ε, so x barely matters: the gradient is O(ε).)
        double s = 0.9999950000374997;
        double[] dx = new double[2], dg = new double[1], db = new double[1];
        BatchNormKernels.backward(new double[]{1, 3}, 0, new double[]{1, 0}, 0, 2, 1, 1, new double[]{2}, 0,
                new double[]{2}, 0, new double[]{s}, 0, dx, 0, dg, 0, db, 0);
        assertEquals(1, db[0], 0);
        assertEquals(-s, dg[0], 1e-16);
        assertEquals(9.999850001709384e-06, dx[0], 1e-17);
        assertEquals(-9.999850001709384e-06, dx[1], 1e-17);
    }

    @Test
    void singleElementChannelUsesBiasedVarianceForRunningStats() {
        // m = N·S = 1: unbiased variance is 0/0; Note [Batch norm with m ≤ 1] uses the biased 0, so
        // running var = 0.9·4 + 0.1·0 = 3.6 and running mean = 0.9·0 + 0.1·5 = 0.5; y = β.
        double[] y = new double[1], rm = {0}, rv = {4}, si = new double[1];
        BatchNormKernels.forwardTraining(new double[]{5}, 0, 1, 1, 1, new double[]{3}, 0, new double[]{0.25}, 0, EPS, 0.1,
                rm, 0, rv, 0, y, 0, null, 0, si, 0);
        assertEquals(0.25, y[0], 0);
        assertEquals(0.5, rm[0], 1e-16);
        assertEquals(3.6, rv[0], 1e-15);
        assertEquals(1 / Math.sqrt(EPS), si[0], 1e-9);
    }

    @Test
    void inferenceUsesGivenStatistics() {
        // [N=1, C=2, S=2]: channel 0 mean 1 var 3 γ 2 β 1: y = 2·(x−1)/√(3+ε) + 1; channel 1 mean −1 var 0.
        double[] x = {1, 4, -1, 0}, y = new double[4];
        BatchNormKernels.forwardInference(x, 0, 1, 2, 2, new double[]{2, 1}, 0, new double[]{1, 0}, 0,
                new double[]{1, -1}, 0, new double[]{3, 0}, 0, EPS, y, 0);
        double a = 1 / Math.sqrt(3 + EPS), b = 1 / Math.sqrt(EPS);
        assertArrayEquals(new double[]{1, 2 * 3 * a + 1, 0, b}, y, 1e-12);
    }

    @Test
    void nullGammaAndBetaMeanIdentityAffine() {
        Random rnd = new Random(5);
        double[] x = randn(rnd, 12), ones = {1, 1, 1}, zeros = new double[3];
        double[] y1 = new double[12], y2 = new double[12];
        BatchNormKernels.forwardTraining(x, 0, 2, 3, 2, null, 0, null, 0, EPS, 0.1, null, 0, null, 0, y1, 0, null, 0, null, 0);
        BatchNormKernels.forwardTraining(x, 0, 2, 3, 2, ones, 0, zeros, 0, EPS, 0.1, null, 0, null, 0, y2, 0, null, 0, null, 0);
        assertArrayEquals(y2, y1, 0);
    }

    /** L = Σ w⊙y(x, γ, β); the backward pass with dy = w must match central differences of L. */
    @Test
    void backwardMatchesFiniteDifferences() {
        for (int[] shape : new int[][]{{3, 2, 4}, {5, 3, 1}}) {
            int n = shape[0], c = shape[1], s = shape[2], len = n * c * s;
            Random rnd = new Random(42 + len);
            double[] x = randn(rnd, len), w = randn(rnd, len), gamma = randn(rnd, c), beta = randn(rnd, c);
            for (int i = 0; i < len; i++) x[i] = 3 * x[i] + 1;   // non-zero mean, non-unit variance
            double[] sm = new double[c], si = new double[c];
            BatchNormKernels.forwardTraining(x, 0, n, c, s, gamma, 0, beta, 0, EPS, 0.1, null, 0, null, 0,
                    new double[len], 0, sm, 0, si, 0);
            double[] dx = new double[len], dg = new double[c], db = new double[c];
            BatchNormKernels.backward(x, 0, w, 0, n, c, s, gamma, 0, sm, 0, si, 0, dx, 0, dg, 0, db, 0);

            java.util.function.DoubleSupplier loss = () -> {
                double[] y = new double[len];
                BatchNormKernels.forwardTraining(x, 0, n, c, s, gamma, 0, beta, 0, EPS, 0.1, null, 0, null, 0, y, 0, null, 0, null, 0);
                return dot(w, y);
            };
            String tag = "batchNorm [" + n + "," + c + "," + s + "] ";
            assertGradient(tag + "dx", dx, numericGradient(x, 1e-5, loss), 1e-6);
            assertGradient(tag + "dgamma", dg, numericGradient(gamma, 1e-5, loss), 1e-6);
            assertGradient(tag + "dbeta", db, numericGradient(beta, 1e-5, loss), 1e-6);
        }
    }

    /** Large enough to split over threads; float and double paths agree to float precision. */
    @Test
    void floatAgreesWithDouble() {
        int n = 4, c = 64, s = 300, len = n * c * s;
        Random rnd = new Random(7);
        double[] x = randn(rnd, len), dy = randn(rnd, len), gamma = randn(rnd, c), beta = randn(rnd, c);
        for (int i = 0; i < len; i++) x[i] = 2 * x[i] + 5;
        double[] rm = randn(rnd, c), rv = new double[c];
        java.util.Arrays.fill(rv, 1.5);
        float[] xf = toFloat(x), dyf = toFloat(dy), gf = toFloat(gamma), bf = toFloat(beta), rmf = toFloat(rm), rvf = toFloat(rv);

        double[] y = new double[len], sm = new double[c], si = new double[c];
        float[] yf = new float[len], smf = new float[c], sif = new float[c];
        // Run the double path on the float-rounded inputs so both see the same numbers.
        double[] xr = toDouble(xf), dyr = toDouble(dyf), gr = toDouble(gf), br = toDouble(bf), rmr = toDouble(rmf), rvr = toDouble(rvf);
        BatchNormKernels.forwardTraining(xr, 0, n, c, s, gr, 0, br, 0, EPS, 0.1, rmr, 0, rvr, 0, y, 0, sm, 0, si, 0);
        BatchNormKernels.forwardTraining(xf, 0, n, c, s, gf, 0, bf, 0, EPS, 0.1, rmf, 0, rvf, 0, yf, 0, smf, 0, sif, 0);
        assertClose("y", y, yf, 1e-6, 1e-6);
        assertClose("saveMean", sm, smf, 0, 1e-6);
        assertClose("saveInvStd", si, sif, 0, 1e-6);
        assertClose("runningMean", rmr, rmf, 1e-7, 1e-6);
        assertClose("runningVar", rvr, rvf, 0, 1e-6);

        double[] dx = new double[len], dg = new double[c], db = new double[c];
        float[] dxf = new float[len], dgf = new float[c], dbf = new float[c];
        BatchNormKernels.backward(xr, 0, dyr, 0, n, c, s, gr, 0, sm, 0, si, 0, dx, 0, dg, 0, db, 0);
        BatchNormKernels.backward(xf, 0, dyf, 0, n, c, s, gf, 0, smf, 0, sif, 0, dxf, 0, dgf, 0, dbf, 0);
        assertClose("dx", dx, dxf, 1e-5, 1e-5);
        assertClose("dgamma", dg, dgf, 1e-4, 1e-5);
        assertClose("dbeta", db, dbf, 1e-4, 1e-5);

        // Inference from the updated running statistics.
        double[] yi = new double[len];
        float[] yif = new float[len];
        BatchNormKernels.forwardInference(xr, 0, n, c, s, gr, 0, br, 0, toDouble(rmf), 0, toDouble(rvf), 0, EPS, yi, 0);
        BatchNormKernels.forwardInference(xf, 0, n, c, s, gf, 0, bf, 0, rmf, 0, rvf, 0, EPS, yif, 0);
        assertClose("inference y", yi, yif, 1e-6, 1e-6);
    }

    /** The sample-major blocked loops against a naive per-channel oracle, with a non-trivial layout. */
    @Test
    void matchesNaiveOracleOnNchw() {
        int n = 3, c = 5, s = 7, len = n * c * s;
        Random rnd = new Random(11);
        double[] x = randn(rnd, len), gamma = randn(rnd, c), beta = randn(rnd, c);
        double[] y = new double[len];
        BatchNormKernels.forwardTraining(x, 0, n, c, s, gamma, 0, beta, 0, EPS, 0.1, null, 0, null, 0, y, 0, null, 0, null, 0);
        double[] expected = new double[len];
        for (int k = 0; k < c; k++) {
            double mean = 0, var = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) mean += x[(i * c + k) * s + j];
            mean /= n * s;
            for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) var += Math.pow(x[(i * c + k) * s + j] - mean, 2);
            var /= n * s;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < s; j++) {
                    int p = (i * c + k) * s + j;
                    expected[p] = gamma[k] * (x[p] - mean) / Math.sqrt(var + EPS) + beta[k];
                }
        }
        assertClose("batchNorm NCHW", expected, y, 1e-13, 1e-12);
    }

    /**
     * Note [Batch norm in double lanes]: the vector loops' elementwise outputs equal the scalar formulas
     * bit for bit, and their sums equal a double sum to 1e-13 relative (only the order differs), on
     * lengths around the vector width and with offsets.
     */
    @Test
    void vectorLoopsMatchTheScalarFormulas() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.dendrite.cpu.gemm.Gemm.isVectorized(), "the Vector API is not readable");
        java.util.Random rnd = new java.util.Random(3);
        for (int len : new int[]{1, 7, 8, 15, 16, 17, 33, 1024, 1031}) {
            float[] x = new float[len + 5], dy = new float[len + 3], out = new float[len + 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) (3 + rnd.nextGaussian());
            for (int i = 0; i < dy.length; i++) dy[i] = (float) rnd.nextGaussian();
            double mu = 3.1, sc = 0.7, sh = -0.2, bi = 0.01, sl = 0.3;
            double sum = 0, sq = 0, cp = 0;
            for (int i = 0; i < len; i++) {
                sum += x[5 + i];
                sq += (x[5 + i] - mu) * (x[5 + i] - mu);
                cp += dy[3 + i] * (x[5 + i] - mu);
            }
            assertEquals(sum, dev.dendrite.cpu.FloatSums.sum(x, 5, len), 1e-13 * Math.abs(sum), "sum, len " + len);
            assertEquals(sq, VectorBatchNorm.squaredDeviations(x, 5, len, mu), 1e-13 * sq, "squares, len " + len);
            assertEquals(cp, VectorBatchNorm.centredProducts(dy, 3, x, 5, len, mu), 1e-12 * len, "products, len " + len);
            VectorBatchNorm.normalize(x, 5, out, 2, len, mu, sc, sh);
            for (int i = 0; i < len; i++) assertEquals((float) ((x[5 + i] - mu) * sc + sh), out[2 + i], 0f, "normalize at " + i);
            VectorBatchNorm.inputGradient(dy, 3, x, 5, out, 2, len, mu, sc, bi, sl);
            for (int i = 0; i < len; i++)
                assertEquals((float) (sc * dy[3 + i] - bi - (x[5 + i] - mu) * sl), out[2 + i], 0f, "input gradient at " + i);
        }
    }
}
