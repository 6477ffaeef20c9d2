package dev.dendrite.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PhiloxTest {

    private static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        int[] out = new int[4];
        Philox.block(c0, c1, c2, c3, k0, k1, out);
        return out;
    }

    // ---- Known answers: Random123 kat_vectors, "philox4x32 10 <ctr x4> <key x2> <out x4>" lines ----

    @Test
    void knownAnswerZeroCounterZeroKey() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                block(0, 0, 0, 0, 0, 0));
    }

    @Test
    void knownAnswerAllOnes() {
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                block(-1, -1, -1, -1, -1, -1));
    }

    @Test
    void knownAnswerPiDigits() {
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test
    void blockRejectsShortOutput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Philox.block(0, 0, 0, 0, 0, 0, new int[3]));
        assertTrue(e.getMessage().contains("length 3"), e.getMessage());
    }

    // ---- Keying scheme ----

    @Test
    void bitsOfSeedZeroStreamZeroAreTheZeroKnownAnswer() {
        int[] expected = {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8};
        for (int i = 0; i < 4; i++) assertEquals(expected[i], Philox.bits(0L, 0L, i), "index " + i);
    }

    @Test
    void bitsSplitsSeedStreamAndIndexIntoWordsLowHalfFirst() {
        // Distinct halves everywhere, so a swapped or misplaced word changes the answer.
        long seed = 0x299f31d0_a4093822L;
        long stream = 0x03707344_13198a2eL;
        long blockIndex = 0x05a308d3_243f6a88L;
        int[] expected = block(0x243f6a88, 0x05a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0);
        for (int w = 0; w < 4; w++)
            assertEquals(expected[w], Philox.bits(seed, stream, 4 * blockIndex + w), "word " + w);
        // Negative seeds/streams are just bit patterns.
        int[] ones = {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd};
        int[] onesAtIndexZero = block(0, 0, -1, -1, -1, -1);
        for (int w = 0; w < 4; w++) assertEquals(onesAtIndexZero[w], Philox.bits(-1L, -1L, w));
        assertFalse(java.util.Arrays.equals(ones, onesAtIndexZero));
    }

    @Test
    void bitsRejectsNegativeIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Philox.bits(1, 2, -5));
        assertTrue(e.getMessage().contains("-5"), e.getMessage());
    }

    // ---- Uniform maps, hand-computed ----

    @Test
    void uniformFloatEndpoints() {
        assertEquals(0f, Philox.uniformFloat(0));
        assertEquals(0f, Philox.uniformFloat(0xFF));                 // low 8 bits are discarded
        assertEquals(0x1p-24f, Philox.uniformFloat(0x100));
        assertEquals(0.5f, Philox.uniformFloat(0x80000000));         // sign bit is the top bit, not a sign
        assertEquals(1f - 0x1p-24f, Philox.uniformFloat(-1));        // largest value, not 1.0
        assertTrue(Philox.uniformFloat(-1) < 1f);
    }

    @Test
    void uniformDoubleEndpoints() {
        assertEquals(0.0, Philox.uniformDouble(0));
        assertEquals(0x1p-32, Philox.uniformDouble(1));
        assertEquals(0.5, Philox.uniformDouble(0x80000000));
        assertEquals(0.75, Philox.uniformDouble(0xC0000000));
        assertEquals(1.0 - 0x1p-32, Philox.uniformDouble(-1));
    }

    // ---- Fills equal per-element computation at any offset ----

    @Test
    void fillUniformFloatEqualsPerElementAtAnyStartAndChunking() {
        long seed = 0x1234_5678_9abc_def0L, stream = 7;
        float low = -2f, high = 3f;
        float[] expected = new float[37];
        for (int i = 0; i < expected.length; i++) {
            float u = Philox.uniformFloat(Philox.bits(seed, stream, 100 + i));
            expected[i] = Math.fma(u, high - low, low);
        }
        // Whole range at once, with a destination offset.
        float[] whole = new float[expected.length + 5];
        Philox.fillUniform(seed, stream, 100, whole, 5, expected.length, low, high);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(whole, 5, whole.length));
        // Every chunk size 1..9: chunks start at unaligned indices, as a multi-threaded fill would.
        for (int chunk = 1; chunk <= 9; chunk++) {
            float[] pieces = new float[expected.length];
            for (int s = 0; s < pieces.length; s += chunk)
                Philox.fillUniform(seed, stream, 100 + s, pieces, s, Math.min(chunk, pieces.length - s), low, high);
            assertArrayEquals(expected, pieces, "chunk " + chunk);
        }
    }

    @Test
    void fillUniformDoubleEqualsPerElementAtAnyStartAndChunking() {
        long seed = -3, stream = 0x7fff_ffff_ffffL;
        double low = 10, high = 10.5;
        double[] expected = new double[23];
        for (int i = 0; i < expected.length; i++)
            expected[i] = Math.fma(Philox.uniformDouble(Philox.bits(seed, stream, 3 + i)), high - low, low);
        for (int chunk = 1; chunk <= 6; chunk++) {
            double[] pieces = new double[expected.length];
            for (int s = 0; s < pieces.length; s += chunk)
                Philox.fillUniform(seed, stream, 3 + s, pieces, s, Math.min(chunk, pieces.length - s), low, high);
            assertArrayEquals(expected, pieces, "chunk " + chunk);
        }
    }

    @Test
    void fillUniformLeavesTheRestOfDstUntouched() {
        float[] dst = {9f, 9f, 9f, 9f, 9f, 9f};
        Philox.fillUniform(1, 2, 3, dst, 2, 3, 0f, 1f);
        assertEquals(9f, dst[0]);
        assertEquals(9f, dst[1]);
        assertEquals(9f, dst[5]);
        assertNotEquals(9f, dst[2]);
    }

    @Test
    void fillUniformStaysBelowHighEvenWhenRoundingWouldReachIt() {
        // [1, 1 + 2^-23) holds exactly one float, 1. fma(u, 2^-23, 1) rounds to 1 + 2^-23 = high for
        // u > 0.5 (ties to even at exactly 0.5 give 1), so without the clamp about half the values
        // would equal high.
        float low = 1f, high = Math.nextUp(1f);
        float[] dst = new float[1000];
        Philox.fillUniform(5, 6, 0, dst, 0, dst.length, low, high);
        for (float v : dst) assertEquals(1f, v);
    }

    @Test
    void fillUniformValuesLieInRange() {
        float[] f = new float[100_000];
        Philox.fillUniform(42, 1, 0, f, 0, f.length, -0.25f, 0.75f);
        double[] d = new double[100_000];
        Philox.fillUniform(42, 1, 0, d, 0, d.length, -1e-3, 1e-3);
        for (float v : f) assertTrue(v >= -0.25f && v < 0.75f, "float " + v);
        for (double v : d) assertTrue(v >= -1e-3 && v < 1e-3, "double " + v);
    }

    @Test
    void fillNormalEqualsBoxMullerPerElementAtAnyStartAndChunking() {
        long seed = 99, stream = 3;
        double mean = 0.5, std = 2.0;
        int first = 5;  // odd: the first element is the sine half of pair (4, 5)
        double[] expected = new double[31];
        for (int k = 0; k < expected.length; k++) {
            long i = first + k;
            long even = i & ~1L;
            double u1 = 1.0 - Philox.uniformDouble(Philox.bits(seed, stream, even));
            double u2 = Philox.uniformDouble(Philox.bits(seed, stream, even + 1));
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            double theta = 2.0 * Math.PI * u2;
            double z = (i % 2 == 0) ? r * StrictMath.cos(theta) : r * StrictMath.sin(theta);
            expected[k] = mean + std * z;
        }
        for (int chunk = 1; chunk <= 9; chunk++) {
            double[] d = new double[expected.length];
            float[] f = new float[expected.length];
            for (int s = 0; s < d.length; s += chunk) {
                int n = Math.min(chunk, d.length - s);
                Philox.fillNormal(seed, stream, first + s, d, s, n, mean, std);
                Philox.fillNormal(seed, stream, first + s, f, s, n, mean, std);
            }
            assertArrayEquals(expected, d, "double, chunk " + chunk);
            for (int k = 0; k < f.length; k++) assertEquals((float) expected[k], f[k], "float, chunk " + chunk);
        }
    }

    @Test
    void fillNormalWithZeroStdIsTheMean() {
        double[] d = new double[10];
        Philox.fillNormal(1, 1, 0, d, 0, d.length, -4.5, 0.0);
        for (double v : d) assertEquals(-4.5, v);
    }

    // ---- Statistics over 1e6 samples. Bounds are 5 standard errors: a correct generator fails one
    // check with probability ~6e-7 for a random seed (and the seeds here are fixed, so the tests are
    // deterministic); biases of the size of typical bugs (dropped bits, wrong map, wrong pairing) are
    // tens to thousands of standard errors. ----

    private static final int N = 1_000_000;
    private static final double SIGMAS = 5.0;

    @Test
    void uniformMeanAndVarianceMatchU01() {
        float[] f = new float[N];
        Philox.fillUniform(2024, 0, 0, f, 0, N, 0f, 1f);
        double sum = 0, sumSq = 0;
        for (float v : f) { sum += v; sumSq += (double) v * v; }
        double mean = sum / N;
        double var = sumSq / N - mean * mean;
        // U(0,1): mean 1/2, variance 1/12. SE(mean) = sqrt(1/12 / N) = 2.89e-4.
        // SE(variance) = sqrt((mu4 - sigma^4) / N) with mu4 = 1/80: sqrt((1/80 - 1/144) / N) = 7.45e-5.
        assertEquals(0.5, mean, SIGMAS * Math.sqrt(1.0 / 12 / N));
        assertEquals(1.0 / 12, var, SIGMAS * Math.sqrt((1.0 / 80 - 1.0 / 144) / N));

        double[] d = new double[N];
        Philox.fillUniform(2024, 1, 0, d, 0, N, -1.0, 3.0);
        sum = 0; sumSq = 0;
        for (double v : d) { sum += v; sumSq += v * v; }
        mean = sum / N;
        var = sumSq / N - mean * mean;
        // U(-1,3) = -1 + 4 U(0,1): mean 1, variance 16/12, standard errors scaled by 4 and 16.
        assertEquals(1.0, mean, SIGMAS * 4 * Math.sqrt(1.0 / 12 / N));
        assertEquals(16.0 / 12, var, SIGMAS * 16 * Math.sqrt((1.0 / 80 - 1.0 / 144) / N));
    }

    @Test
    void normalMomentsTailsAndPairCorrelation() {
        double mu = 3.0, sigma = 2.0;
        float[] f = new float[N];
        Philox.fillNormal(7, 11, 0, f, 0, N, mu, sigma);
        double sum = 0, sumSq = 0, pairProd = 0;
        int within1 = 0;
        for (int i = 0; i < N; i++) {
            double v = f[i];
            sum += v;
            sumSq += v * v;
            if (Math.abs(v - mu) < sigma) within1++;
            if ((i & 1) == 1) pairProd += ((f[i - 1] - mu) / sigma) * ((v - mu) / sigma);
        }
        double mean = sum / N;
        double var = sumSq / N - mean * mean;
        // N(mu, sigma^2): SE(mean) = sigma / sqrt(N) = 2e-3; SE(variance) = sigma^2 sqrt(2 / N) = 5.66e-3.
        assertEquals(mu, mean, SIGMAS * sigma / Math.sqrt(N));
        assertEquals(sigma * sigma, var, SIGMAS * sigma * sigma * Math.sqrt(2.0 / N));
        // P(|Z| < 1) = erf(1/sqrt 2) = 0.682689; SE = sqrt(p(1-p)/N) = 4.65e-4. Catches a wrong radius
        // (e.g. sqrt(-ln u) instead of sqrt(-2 ln u)) that the first two moments might not.
        double p1 = 0.6826894921370859;
        assertEquals(p1, (double) within1 / N, SIGMAS * Math.sqrt(p1 * (1 - p1) / N));
        // The two halves of a Box–Muller pair are independent: E[z0 z1] = 0 with SE 1/sqrt(N/2) = 1.41e-3.
        assertEquals(0.0, pairProd / (N / 2), SIGMAS / Math.sqrt(N / 2.0));
    }

    @Test
    void differentStreamsAndSeedsDiffer() {
        int n = 1024;
        int[][] draws = new int[4][n];
        long[][] keys = {{1, 0}, {1, 1}, {2, 0}, {1, 1L << 32}};  // (seed, stream)
        for (int k = 0; k < keys.length; k++)
            for (int i = 0; i < n; i++) draws[k][i] = Philox.bits(keys[k][0], keys[k][1], i);
        for (int a = 0; a < keys.length; a++)
            for (int b = a + 1; b < keys.length; b++) {
                int equal = 0;
                for (int i = 0; i < n; i++) if (draws[a][i] == draws[b][i]) equal++;
                // Independent 32-bit words coincide with probability 2^-32 each; expect 0 of 1024.
                assertTrue(equal <= 1, "keys " + a + " and " + b + " share " + equal + " of " + n + " words");
            }
    }

    @Test
    void keepMatchesDefinitionAndRate() {
        long seed = 5, stream = 8;
        float p = 0.3f;
        int kept = 0;
        for (int i = 0; i < N; i++) {
            boolean k = Philox.keep(seed, stream, i, p);
            if (i < 1000) assertEquals(Philox.uniformFloat(Philox.bits(seed, stream, i)) >= p, k);
            if (k) kept++;
        }
        // Bernoulli(0.7): SE = sqrt(0.7 * 0.3 / N) = 4.58e-4.
        assertEquals(1 - p, (double) kept / N, SIGMAS * Math.sqrt(p * (1 - p) / N));
    }

    @Test
    void keepBoundaryIsInclusive() {
        // An element whose uniform equals p exactly is kept; the next float above drops it. This pins
        // ">=" so the CUDA mask (same comparison) agrees on the boundary.
        for (int i = 0; i < 100; i++) {
            float u = Philox.uniformFloat(Philox.bits(17, 4, i));
            assertTrue(Philox.keep(17, 4, i, u), "index " + i + " u=" + u);
            if (u < 1f) assertFalse(Philox.keep(17, 4, i, Math.nextUp(u)), "index " + i + " u=" + u);
        }
    }

    @Test
    void keepAtProbabilityZeroAndOne() {
        for (int i = 0; i < 1000; i++) {
            assertTrue(Philox.keep(1, 2, i, 0f));
            assertFalse(Philox.keep(1, 2, i, 1f));
        }
    }

    // ---- Errors name the op and the values ----

    @Test
    void badArgumentsAreRejectedWithTheirValues() {
        IllegalArgumentException e;
        e = assertThrows(IllegalArgumentException.class, () -> Philox.keep(0, 0, 0, 1.5f));
        assertEquals("dropout: p must be in [0, 1], got 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Philox.keep(0, 0, 0, Float.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Philox.fillUniform(0, 0, 0, new float[4], 2, 3, 0f, 1f));
        assertEquals("fillUniform: region [2, 2 + 3) does not fit dst of length 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Philox.fillUniform(0, 0, 0, new double[4], 0, 4, 1.0, 1.0));
        assertEquals("fillUniform: need finite low < high with finite high - low, got low=1.0, high=1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Philox.fillUniform(0, 0, 0, new float[4], 0, 4, -Float.MAX_VALUE, Float.MAX_VALUE));
        assertTrue(e.getMessage().startsWith("fillUniform:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Philox.fillNormal(0, 0, -1, new float[4], 0, 4, 0.0, 1.0));
        assertEquals("fillNormal: firstIndex must be >= 0, got -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Philox.fillNormal(0, 0, 0, new double[4], 0, 4, 0.0, -1.0));
        assertEquals("fillNormal: need finite mean and finite std >= 0, got mean=0.0, std=-1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Philox.fillNormal(0, 0, Long.MAX_VALUE - 1, new double[4], 0, 4, 0.0, 1.0));
        assertTrue(e.getMessage().contains("overflow"), e.getMessage());
    }
}
