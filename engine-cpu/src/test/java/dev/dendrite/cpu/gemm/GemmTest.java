package dev.dendrite.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both GEMM paths against a textbook triple loop. {@link Path#PUBLIC} is whatever {@link Gemm} chose (the
 * vector kernel under Maven, whose surefire line adds the module); {@link Path#SCALAR} calls the scalar
 * kernel directly so it is covered in the same run.
 */
class GemmTest {
    enum Path { PUBLIC, SCALAR }

    private static final float SENTINEL_F = -12345.5f;
    private static final double SENTINEL_D = -12345.5;

    // ---------------------------------------------------------------- oracle

    /**
     * Textbook {@code C = alpha·op(A)·op(B) + beta·C0} accumulated in double, and beside it the error scale
     * {@code |alpha|·Σ|a||b| + |beta|·|c0|} per element used for the tolerance (see {@link #assertClose}).
     * {@code beta == 0} ignores C0, as BLAS does.
     */
    private static double[][] oracle(boolean ta, boolean tb, int m, int n, int k, double alpha,
                                     double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                                     double beta, double[] c0, int cOff, int ldc) {
        double[] ref = new double[m * n], scale = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double y = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += x * y;
                    abs += Math.abs(x * y);
                }
                double cv = beta == 0 ? 0 : c0[cOff + i * ldc + j];
                ref[i * n + j] = alpha * sum + (beta == 0 ? 0 : beta * cv);
                scale[i * n + j] = Math.abs(alpha) * abs + Math.abs(beta * cv);
            }
        }
        return new double[][]{ref, scale};
    }

    /**
     * Checks the m×n result in {@code c} and that every array element outside it kept its sentinel.
     *
     * <p>Tolerance: a k-term dot product in precision eps (unit roundoff u = eps/2) is off by at most
     * γ_k·Σ|a||b| with γ_k ≈ k·u (Higham, Thm 3.5), whatever the summation order, blocking or FMA use;
     * scaling by alpha and adding beta·C adds two more roundings. We allow (k + 2)·eps·scale, twice that
     * bound, which also covers the double-precision oracle's own error when testing dgemm. A single
     * missing or duplicated term, or a wrong alpha/beta, is far outside it: the tolerance is about
     * k·eps·k·|a||b|, below 1e-2·|a||b| for k ≤ 257 in float.
     */
    private static void assertClose(String what, double[] ref, double[] scale, int m, int n, double eps, int k,
                                    java.util.function.IntToDoubleFunction c, int cLen, int cOff, int ldc,
                                    java.util.function.IntPredicate isSentinel) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double got = c.applyAsDouble(cOff + i * ldc + j), want = ref[i * n + j];
                double tol = (k + 2) * eps * scale[i * n + j] + Double.MIN_NORMAL;
                if (!(Math.abs(got - want) <= tol))
                    fail(what + ": C[" + i + "," + j + "] = " + got + ", expected " + want + " (|diff| = "
                            + Math.abs(got - want) + ", tol = " + tol + ")");
            }
        }
        for (int idx = 0; idx < cLen; idx++) {
            int rel = idx - cOff;
            boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inside && !isSentinel.test(idx))
                fail(what + ": element " + idx + " outside C (offset " + cOff + ", ldc " + ldc + ") was written");
        }
    }

    // ---------------------------------------------------------------- calls

    private static void sgemm(Path path, boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff,
                              int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        switch (path) {
            case PUBLIC -> Gemm.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case SCALAR -> ScalarGemm.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    private static void dgemm(Path path, boolean ta, boolean tb, int m, int n, int k, double alpha, double[] a, int aOff,
                              int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        switch (path) {
            case PUBLIC -> Gemm.dgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case SCALAR -> ScalarGemm.dgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    // ---------------------------------------------------------------- hand-computed

    /** [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]], in every storage order. */
    @ParameterizedTest
    @EnumSource(Path.class)
    void handComputedProductInAllTransposeCombinations(Path path) {
        float[] aN = {1, 2, 3, 4, 5, 6}, aT = {1, 4, 2, 5, 3, 6};
        float[] bN = {7, 8, 9, 10, 11, 12}, bT = {7, 9, 11, 8, 10, 12};
        float[] want = {58, 64, 139, 154};
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            float[] c = new float[4];
            sgemm(path, ta, tb, 2, 2, 3, 1f, ta ? aT : aN, 0, ta ? 2 : 3, tb ? bT : bN, 0, tb ? 3 : 2, 0f, c, 0, 2);
            assertArrayEquals(want, c, "sgemm transA=" + ta + " transB=" + tb);
            double[] cd = {1, 1, 1, 1};
            // alpha = 2, beta = -1 on C = 1: 2·[[58,64],[139,154]] - 1
            dgemm(path, ta, tb, 2, 2, 3, 2.0, toDouble(ta ? aT : aN), 0, ta ? 2 : 3, toDouble(tb ? bT : bN), 0,
                    tb ? 3 : 2, -1.0, cd, 0, 2);
            assertArrayEquals(new double[]{115, 127, 277, 307}, cd, "dgemm transA=" + ta + " transB=" + tb);
        }
    }

    // ---------------------------------------------------------------- random against the oracle

    /** (m, n, k): awkward sizes, exact tiles, k in 2 and 3 kc = 512 slices, m across mc, n across nc, vectors. */
    private static final int[][] SIZES = {
            {1, 1, 1}, {1, 7, 17}, {7, 1, 33}, {17, 33, 1}, {33, 17, 65}, {65, 129, 7}, {129, 65, 257},
            {257, 33, 129}, {13, 257, 65}, {1, 257, 129}, {129, 1, 257}, {65, 65, 65}, {12, 32, 256},
            {24, 64, 513}, {5, 40, 1100}, {200, 70, 300}, {3, 4200, 5}, {150, 140, 90},
    };

    static Stream<Arguments> randomCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Path path : Path.values())
            for (int[] s : SIZES)
                for (int t = 0; t < 4; t++)
                    cases.add(Arguments.of(path, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2]));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} transA={1} transB={2} m={3} n={4} k={5}")
    @MethodSource("randomCases")
    void sgemmMatchesOracle(Path path, boolean ta, boolean tb, int m, int n, int k) {
        Random rnd = new Random(31L * m + 17L * n + k + (ta ? 5 : 0) + (tb ? 7 : 0));
        Layout l = Layout.random(rnd, ta, tb, m, n, k);
        float alpha = (float) (rnd.nextDouble() * 4 - 2), beta = rnd.nextBoolean() ? 0f : (float) (rnd.nextDouble() * 2 - 1);
        float[] a = randomFloats(rnd, l.aLen), b = randomFloats(rnd, l.bLen);
        float[] c = new float[l.cLen];
        java.util.Arrays.fill(c, SENTINEL_F);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c[l.cOff + i * l.ldc + j] = beta == 0f ? Float.NaN : (float) rnd.nextGaussian();
        double[][] ref = oracle(ta, tb, m, n, k, alpha, toDouble(a), l.aOff, l.lda, toDouble(b), l.bOff, l.ldb,
                beta, toDouble(c), l.cOff, l.ldc);
        sgemm(path, ta, tb, m, n, k, alpha, a, l.aOff, l.lda, b, l.bOff, l.ldb, beta, c, l.cOff, l.ldc);
        assertClose("sgemm " + path + " " + l, ref[0], ref[1], m, n, Math.ulp(1f), k,
                i -> c[i], c.length, l.cOff, l.ldc, i -> c[i] == SENTINEL_F);
    }

    @ParameterizedTest(name = "{0} transA={1} transB={2} m={3} n={4} k={5}")
    @MethodSource("randomCases")
    void dgemmMatchesOracle(Path path, boolean ta, boolean tb, int m, int n, int k) {
        Random rnd = new Random(29L * m + 13L * n + k + (ta ? 3 : 0) + (tb ? 11 : 0));
        Layout l = Layout.random(rnd, ta, tb, m, n, k);
        double alpha = rnd.nextDouble() * 4 - 2, beta = rnd.nextBoolean() ? 0.0 : rnd.nextDouble() * 2 - 1;
        double[] a = randomDoubles(rnd, l.aLen), b = randomDoubles(rnd, l.bLen);
        double[] c = new double[l.cLen];
        java.util.Arrays.fill(c, SENTINEL_D);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c[l.cOff + i * l.ldc + j] = beta == 0.0 ? Double.NaN : rnd.nextGaussian();
        double[][] ref = oracle(ta, tb, m, n, k, alpha, a, l.aOff, l.lda, b, l.bOff, l.ldb, beta, c, l.cOff, l.ldc);
        dgemm(path, ta, tb, m, n, k, alpha, a, l.aOff, l.lda, b, l.bOff, l.ldb, beta, c, l.cOff, l.ldc);
        assertClose("dgemm " + path + " " + l, ref[0], ref[1], m, n, Math.ulp(1.0), k,
                i -> c[i], c.length, l.cOff, l.ldc, i -> c[i] == SENTINEL_D);
    }

    /** Offsets and padded leading dimensions for one case; the arrays are exactly as long as needed plus slack. */
    private record Layout(int aOff, int lda, int aLen, int bOff, int ldb, int bLen, int cOff, int ldc, int cLen) {
        static Layout random(Random rnd, boolean ta, boolean tb, int m, int n, int k) {
            int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
            int aOff = rnd.nextInt(9), lda = aCols + rnd.nextInt(5);
            int bOff = rnd.nextInt(9), ldb = bCols + rnd.nextInt(5);
            int cOff = rnd.nextInt(9), ldc = n + rnd.nextInt(5);
            return new Layout(aOff, lda, aOff + aRows * lda + 3, bOff, ldb, bOff + bRows * ldb + 3,
                    cOff, ldc, cOff + m * ldc + 3);
        }

        @Override
        public String toString() {
            return "aOff=" + aOff + " lda=" + lda + " bOff=" + bOff + " ldb=" + ldb + " cOff=" + cOff + " ldc=" + ldc;
        }
    }

    // ---------------------------------------------------------------- BLAS edge semantics

    @ParameterizedTest
    @EnumSource(Path.class)
    void kZeroScalesCByBeta(Path path) {
        float[] c = {1, 2, 99, 3, 4, 99, 99};
        sgemm(path, false, false, 2, 2, 0, 3f, new float[0], 0, 1, new float[0], 0, 2, 2f, c, 0, 3);
        assertArrayEquals(new float[]{2, 4, 99, 6, 8, 99, 99}, c);
        double[] cd = {Double.NaN, Double.NaN, 7, Double.NaN, Double.NaN};
        dgemm(path, true, true, 2, 2, 0, 3.0, new double[0], 0, 2, new double[0], 0, 1, 0.0, cd, 0, 3);
        assertArrayEquals(new double[]{0, 0, 7, 0, 0}, cd, "beta = 0 must overwrite NaN");
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void alphaZeroDoesNotReadAOrB(Path path) {
        float[] a = {Float.NaN, Float.NaN, Float.NaN, Float.NaN}, b = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        float[] c = {1, 2, 3, 4};
        sgemm(path, false, false, 2, 2, 2, 0f, a, 0, 2, b, 0, 2, -1f, c, 0, 2);
        assertArrayEquals(new float[]{-1, -2, -3, -4}, c);
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void emptyOutputLeavesEverythingAlone(Path path) {
        float[] c = {9, 9};
        sgemm(path, false, false, 0, 2, 3, 1f, new float[0], 0, 3, new float[6], 0, 2, 0f, c, 0, 2);
        sgemm(path, false, false, 1, 0, 3, 1f, new float[3], 0, 3, new float[0], 0, 1, 0f, c, 0, 1);
        assertArrayEquals(new float[]{9, 9}, c);
    }

    @ParameterizedTest
    @EnumSource(Path.class)
    void betaZeroOverwritesNaNAndInfinity(Path path) {
        Random rnd = new Random(3);
        int m = 29, n = 37, k = 11;
        float[] a = randomFloats(rnd, m * k), b = randomFloats(rnd, k * n), c = new float[m * n];
        for (int i = 0; i < c.length; i++) c[i] = i % 2 == 0 ? Float.NaN : Float.NEGATIVE_INFINITY;
        sgemm(path, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        double[][] ref = oracle(false, false, m, n, k, 1, toDouble(a), 0, k, toDouble(b), 0, n, 0, null, 0, n);
        assertClose("sgemm beta=0", ref[0], ref[1], m, n, Math.ulp(1f), k, i -> c[i], c.length, 0, n, i -> true);
    }

    /** Repeated calls reuse the per-thread buffers; a stale packed panel from a bigger call must not leak in. */
    @ParameterizedTest
    @EnumSource(Path.class)
    void smallCallAfterBigCallIsUnaffectedByLeftoverBuffers(Path path) {
        Random rnd = new Random(5);
        float[] big = randomFloats(rnd, 300 * 300), cb = new float[300 * 300];
        sgemm(path, false, false, 300, 300, 300, 1f, big, 0, 300, big, 0, 300, 0f, cb, 0, 300);
        float[] c = new float[4];
        sgemm(path, false, true, 2, 2, 3, 1f, new float[]{1, 2, 3, 4, 5, 6}, 0, 3,
                new float[]{7, 9, 11, 8, 10, 12}, 0, 3, 0f, c, 0, 2);
        assertArrayEquals(new float[]{58, 64, 139, 154}, c);
    }

    // ---------------------------------------------------------------- validation and kernel choice

    @Test
    void badArgumentsNameTheOpAndValues() {
        float[] a = new float[6], b = new float[6], c = new float[4];
        var e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 2, 3, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2));
        assertEquals("sgemm: lda=2 is smaller than the row length of A stored [2,3] (m=2, n=2, k=3, transA=false, transB=false)",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 2, 3, 1f, a, 1, 3, b, 0, 2, 0f, c, 0, 2));
        assertEquals("sgemm: A stored [2,3] with offset 1 and lda=3 ends at index 6 but the array has length 6"
                + " (m=2, n=2, k=3, transA=false, transB=false)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.dgemm(false, true, -1, 2, 3, 1, new double[6], 0, 3, new double[6], 0, 3, 0, new double[4], 0, 2));
        assertEquals("dgemm: sizes must be >= 0, got m=-1 n=2 k=3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, true, 2, 2, 3, 1f, a, 0, 3, b, 0, 3, 0f, c, -1, 2));
        assertTrue(e.getMessage().startsWith("sgemm: C offset must be >= 0, got -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(true, false, 2, 2, 3, 1f, a, 0, 2, null, 0, 2, 0f, c, 0, 2));
        assertTrue(e.getMessage().startsWith("sgemm: B is null"), e.getMessage());
    }

    @Test
    void kernelChoiceFollowsTheModule() {
        boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertEquals(present, Gemm.isVectorized());
        if (present) {
            assertTrue(Gemm.kernelDescription().matches("vector \\(FloatVector \\d+-bit, \\d+ lanes\\)"),
                    Gemm.kernelDescription());
        } else {
            assertEquals("scalar (enable the fast path with --add-modules jdk.incubator.vector)", Gemm.kernelDescription());
        }
    }

    /** Every task grid covers C exactly once, on tile boundaries, one task per thread at most; small products stay on one thread. */
    @Test
    void partitionTilesCExactly() {
        GemmBlocking bl = new GemmBlocking(12, 32, 512, 96, 1024);
        int[][] cases = {{1024, 1024, 1024, 2}, {4096, 20, 512, 2}, {20, 4096, 512, 4}, {300, 301, 302, 3},
                {13, 40, 5000, 8}, {1, 1, 1, 2}, {1000, 1000, 1000, 6}};
        for (int[] cs : cases) {
            for (int t = 0; t < 4; t++) {
                int m = cs[0], n = cs[1], k = cs[2], threads = cs[3];
                GemmPartition p = GemmPartition.plan((t & 1) != 0, (t & 2) != 0, m, n, k, bl, threads);
                String what = "m=" + m + " n=" + n + " threads=" + threads + " grid " + p.mParts() + "x" + p.nParts();
                assertTrue(p.tasks() >= 1 && p.tasks() <= threads, what);
                int[] hits = new int[m * n];
                for (int task = 0; task < p.tasks(); task++) {
                    assertEquals(0, p.rowStart(task) % 12, what + ": row start on a tile boundary");
                    assertEquals(0, p.colStart(task) % 32, what + ": col start on a tile boundary");
                    for (int i = p.rowStart(task); i < p.rowEnd(task); i++)
                        for (int j = p.colStart(task); j < p.colEnd(task); j++) hits[i * n + j]++;
                }
                for (int h : hits) assertEquals(1, h, what + ": an element covered " + h + " times");
            }
        }
        // Square, A not transposed: re-packing B (0.15 ns/element) is cheaper than re-packing A (0.45).
        GemmPartition square = GemmPartition.plan(false, false, 1024, 1024, 1024, bl, 2);
        assertEquals(2, square.mParts(), "square NN: split the rows");
        // B stored [n,k] packs slowest (0.65 ns/element): then re-pack A instead.
        assertEquals(2, GemmPartition.plan(false, true, 1024, 1024, 1024, bl, 2).nParts(), "square NT: split the columns");
        assertEquals(2, GemmPartition.plan(false, false, 20, 4096, 512, bl, 2).nParts(), "wide: split the columns");
        assertEquals(1, GemmPartition.plan(false, false, 1024, 1024, 1024, bl, 1).tasks(), "one thread: one task");
        assertEquals(1, GemmPartition.plan(false, false, 64, 64, 64, bl, 2).tasks(), "64³ is below one task's worth");
        assertEquals(6, GemmPartition.plan(false, false, 1000, 1000, 1000, bl, 6).tasks());
    }

    /**
     * B packed once gives the same C bit for bit as the plain call (same k slices, same panels, same
     * summation order), across k slices (k > 512), ragged n, both transposes, beta ≠ 0, one and more tasks;
     * and the plain call is itself checked against the oracle above.
     */
    @Test
    void packedBEqualsUnpackedBitForBit() {
        Random rnd = new Random(7);
        int[][] sizes = {{32, 1024, 256}, {5, 33, 7}, {300, 70, 1100}, {1, 1, 1}, {64, 1000, 513}};
        for (int[] sz : sizes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                int m = sz[0], n = sz[1], k = sz[2];
                float[] a = randomFloats(rnd, m * k + 3), b = randomFloats(rnd, k * n + 5), c0 = randomFloats(rnd, m * n + 2);
                int lda = ta ? m : k, ldb = tb ? k : n;
                float[] want = c0.clone(), got = c0.clone();
                Gemm.sgemm(ta, tb, m, n, k, 1.5f, a, 3, lda, b, 5, ldb, 0.5f, want, 2, n);
                PackedFloatB packed = Gemm.packB(tb, k, n, b, 5, ldb);
                assertEquals(k, packed.k());
                assertEquals(n, packed.n());
                Gemm.sgemm(ta, m, 1.5f, a, 3, lda, packed, 0.5f, got, 2, n);
                assertArrayEquals(want, got, "m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb);
            }
        }
    }

    /** A B packed from a {@link Gemm.RowSource} (rows handed out in blocks) gives the same product as B packed from the array. */
    @Test
    void rowSourcePackingEqualsArrayPacking() {
        Random rnd = new Random(11);
        for (int[] sz : new int[][]{{64, 576, 1024}, {5, 33, 7}, {13, 70, 1100}, {1, 1, 1}}) {
            int m = sz[0], n = sz[1], k = sz[2];
            float[] a = randomFloats(rnd, m * k), b = randomFloats(rnd, k * n);
            float[] want = new float[m * n], got = new float[m * n];
            Gemm.sgemm(false, m, 1f, a, 0, k, Gemm.packB(false, k, n, b, 0, n), 0f, want, 0, n);
            Gemm.RowSource rows = (p0, count, j0, width, dst, dstOff, stride) -> {
                assertTrue(width >= 1 && j0 + width <= n && p0 + count <= k, "block p0=" + p0 + " count=" + count + " j0=" + j0 + " width=" + width);
                for (int i = 0; i < count; i++) System.arraycopy(b, (p0 + i) * n + j0, dst, dstOff + i * stride, width);
            };
            try (PackedFloatB packed = Gemm.packB(k, n, rows)) {
                Gemm.sgemm(false, m, 1f, a, 0, k, packed, 0f, got, 0, n);
            }
            assertArrayEquals(want, got, "m=" + m + " n=" + n + " k=" + k);
        }
    }

    @Test
    void packedBArgumentsAreChecked() {
        float[] b = new float[12];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gemm.packB(false, 4, 4, b, 0, 4));
        assertEquals("sgemm packB: B stored [4,4] with offset 0 and ldb=4 ends at index 15 but the array has length 12 (k=4, n=4, transB=false)",
                e.getMessage());
        PackedFloatB p = Gemm.packB(false, 3, 4, b, 0, 4);
        e = assertThrows(IllegalArgumentException.class, () -> Gemm.sgemm(false, 2, 1f, new float[5], 0, 3, p, 0f, new float[8], 0, 4));
        assertEquals("sgemm: A stored [2,3] with offset 0 and lda=3 ends at index 5 but the array has length 5 (m=2, n=4, k=3, transA=false, B packed)",
                e.getMessage());
        p.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> Gemm.sgemm(false, 2, 1f, new float[6], 0, 3, p, 0f, new float[8], 0, 4));
        assertEquals("sgemm: this packed B [3,4] was closed", closed.getMessage());
    }

    /** A [32, 1024] product on two threads: 32 rows are three register tiles, so splitting the columns balances better. */
    @Test
    void smallMSplitsTheColumns() {
        GemmBlocking bl = new GemmBlocking(12, 32, 512, 96, 1024);
        assertEquals(2, GemmPartition.plan(false, false, true, 32, 1024, 256, bl, 2).nParts());
        assertEquals(2, GemmPartition.plan(false, true, false, 32, 1024, 256, bl, 2).nParts());
    }

    // ---------------------------------------------------------------- helpers

    private static float[] randomFloats(Random rnd, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    private static double[] randomDoubles(Random rnd, int len) {
        double[] x = new double[len];
        for (int i = 0; i < len; i++) x[i] = rnd.nextDouble() * 2 - 1;
        return x;
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }
}
