package dev.dendrite.cpu.gemm;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API micro-kernels. Only {@link Gemm} touches this class, and only after it has checked that
 * the module {@code jdk.incubator.vector} is readable, so the scalar path never loads incubator classes.
 *
 * <p>Note [Vector GEMM tile]: a 12 × 2-vector tile (12 × 32 floats or 12 × 16 doubles with 512-bit
 * vectors) keeps 24 accumulators, 2 B vectors and one broadcast A value in the 32 vector registers. Per
 * k step it issues 24 FMAs against 2 vector loads and 12 broadcasts, enough independent FMA chains to
 * cover the FMA latency on two pipes. 8 × 3 and 6 × 4 tiles ran at the same speed in isolation (about
 * 240 GFLOP/s with data in L1); 12 × 2 reads the fewest bytes per FMA and has the narrowest edge in n.
 *
 * <p>Note [Vector GEMM blocking]: measured on a 2-core AVX-512 Zen 5 (48 KiB L1d, 1 MiB L2 per core),
 * kc = 256 lost 10-15% at n = 2048 against kc = 512-1024: every kc slice re-reads and re-writes each C
 * tile, and those C rows (row stride ldc, rarely cached) cost more than a B micro-panel that spills from
 * L1 to L2 (the FMAs need 15 bytes/cycle, far below L2 bandwidth). kc = 512 keeps the A block plus one
 * B micro-panel within 256-352 KiB, so it still fits CPUs with 512 KiB of L2. mc and nc mattered little;
 * nc is kept small enough that the per-thread packed B block stays at 2 MiB (A is re-packed once per
 * nc columns, a 1/nc overhead).
 */
final class VectorGemmKernel {
    private VectorGemmKernel() {
    }

    private static final int MR = 12;

    private static final FloatMicroKernel FLOAT = new FloatKernel();
    private static final DoubleMicroKernel DOUBLE = new DoubleKernel();

    /** E.g. {@code "vector (FloatVector 512-bit, 16 lanes)"}. */
    static String description() {
        return "vector (FloatVector " + FloatKernel.FS.vectorBitSize() + "-bit, " + FloatKernel.LANES + " lanes)";
    }

    static FloatMicroKernel floatKernel() {
        return FLOAT;
    }

    static DoubleMicroKernel doubleKernel() {
        return DOUBLE;
    }

    /** Lane offsets {@code 0, nr, 2·nr, …} of one packed B column: where {@link #packTransposedPanel} scatters a row of B. */
    private static final int[] PANEL_COLUMN = new int[FloatKernel.LANES];

    static {
        for (int i = 0; i < PANEL_COLUMN.length; i++) PANEL_COLUMN[i] = i * FloatKernel.NR;
    }

    /** Whether {@link #packTransposedPanel} handles micro-panels of {@code nr} columns (the vector kernel's width). */
    static boolean packsTransposedPanels(int nr) {
        return nr == FloatKernel.NR;
    }

    /**
     * One full micro-panel of {@code SgemmDriver.packB} for B stored {@code [n,k]}:
     * {@code bp[dst + p·nr + j] = b[src + j·ldb + p]} for {@code j < nr}, {@code p < kc}. Note [Scattered
     * transposing pack]: the scalar loop writes one float per 128-byte panel row, 0.57 ns per element
     * (as much as the 64 multiply-adds a packed element of a convolution's filter gradient feeds); a
     * contiguous vector load of a B row scattered down a panel column measured 0.40 ns.
     */
    static void packTransposedPanel(float[] b, int src, int ldb, int kc, float[] bp, int dst) {
        VectorSpecies<Float> fs = FloatKernel.FS;
        int nr = FloatKernel.NR, lanes = FloatKernel.LANES, bound = kc - kc % lanes;
        for (int j = 0; j < nr; j++) {
            int row = src + j * ldb, col = dst + j;
            int p = 0;
            for (; p < bound; p += lanes) FloatVector.fromArray(fs, b, row + p).intoArray(bp, col + p * nr, PANEL_COLUMN, 0);
            for (; p < kc; p++) bp[col + p * nr] = b[row + p];
        }
    }

    private static final class FloatKernel implements FloatMicroKernel {
        static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
        static final int LANES = FS.length();
        static final int NR = 2 * LANES;
        // See Note [Vector GEMM blocking]: A block mc·kc·4 = 192 KiB, B micro-panel kc·nr·4 = 64 KiB (512-bit).
        private static final GemmBlocking BLOCKING = new GemmBlocking(MR, NR, 512, 96, 1024 / NR * NR);

        @Override
        public GemmBlocking blocking() {
            return BLOCKING;
        }

        @Override
        public void multiply(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] tile) {
            FloatVector z = FloatVector.zero(FS);
            FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z, c80 = z, c81 = z, c90 = z, c91 = z, ca0 = z, ca1 = z, cb0 = z, cb1 = z;
            for (int p = 0; p < kc; p++) {
                int ai = aOff + p * MR, bi = bOff + p * NR;
                FloatVector b0 = FloatVector.fromArray(FS, bp, bi), b1 = FloatVector.fromArray(FS, bp, bi + LANES);
                FloatVector x;
                x = FloatVector.broadcast(FS, ap[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
                x = FloatVector.broadcast(FS, ap[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
                x = FloatVector.broadcast(FS, ap[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
                x = FloatVector.broadcast(FS, ap[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
                x = FloatVector.broadcast(FS, ap[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
                x = FloatVector.broadcast(FS, ap[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
                x = FloatVector.broadcast(FS, ap[ai + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
                x = FloatVector.broadcast(FS, ap[ai + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
                x = FloatVector.broadcast(FS, ap[ai + 8]); c80 = x.fma(b0, c80); c81 = x.fma(b1, c81);
                x = FloatVector.broadcast(FS, ap[ai + 9]); c90 = x.fma(b0, c90); c91 = x.fma(b1, c91);
                x = FloatVector.broadcast(FS, ap[ai + 10]); ca0 = x.fma(b0, ca0); ca1 = x.fma(b1, ca1);
                x = FloatVector.broadcast(FS, ap[ai + 11]); cb0 = x.fma(b0, cb0); cb1 = x.fma(b1, cb1);
            }
            c00.intoArray(tile, 0 * NR); c01.intoArray(tile, 0 * NR + LANES);
            c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + LANES);
            c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + LANES);
            c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + LANES);
            c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + LANES);
            c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + LANES);
            c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + LANES);
            c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + LANES);
            c80.intoArray(tile, 8 * NR); c81.intoArray(tile, 8 * NR + LANES);
            c90.intoArray(tile, 9 * NR); c91.intoArray(tile, 9 * NR + LANES);
            ca0.intoArray(tile, 10 * NR); ca1.intoArray(tile, 10 * NR + LANES);
            cb0.intoArray(tile, 11 * NR); cb1.intoArray(tile, 11 * NR + LANES);
        }

        /**
         * Note [Short edge tiles]: a 4- or 8-row version of {@link #multiply} for the last row tile, whose
         * padding rows would otherwise cost a full 12-row product (an eighth of the work for the 64-row
         * products of a 64-channel convolution, a quarter of the last tile for a batch of 32). Each
         * accumulator sees the same FMAs in the same order, so the rows equal the 12-row kernel's.
         */
        @Override
        public void multiplyRows(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] tile, int rows) {
            if (rows <= 4) multiply4(kc, ap, aOff, bp, bOff, tile);
            else if (rows <= 8) multiply8(kc, ap, aOff, bp, bOff, tile);
            else multiply(kc, ap, aOff, bp, bOff, tile);
        }

        private static void multiply4(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] tile) {
            FloatVector z = FloatVector.zero(FS);
            FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
            for (int p = 0; p < kc; p++) {
                int ai = aOff + p * MR, bi = bOff + p * NR;
                FloatVector b0 = FloatVector.fromArray(FS, bp, bi), b1 = FloatVector.fromArray(FS, bp, bi + LANES);
                FloatVector x;
                x = FloatVector.broadcast(FS, ap[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
                x = FloatVector.broadcast(FS, ap[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
                x = FloatVector.broadcast(FS, ap[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
                x = FloatVector.broadcast(FS, ap[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            }
            c00.intoArray(tile, 0 * NR); c01.intoArray(tile, 0 * NR + LANES);
            c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + LANES);
            c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + LANES);
            c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + LANES);
        }

        private static void multiply8(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] tile) {
            FloatVector z = FloatVector.zero(FS);
            FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
            for (int p = 0; p < kc; p++) {
                int ai = aOff + p * MR, bi = bOff + p * NR;
                FloatVector b0 = FloatVector.fromArray(FS, bp, bi), b1 = FloatVector.fromArray(FS, bp, bi + LANES);
                FloatVector x;
                x = FloatVector.broadcast(FS, ap[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
                x = FloatVector.broadcast(FS, ap[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
                x = FloatVector.broadcast(FS, ap[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
                x = FloatVector.broadcast(FS, ap[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
                x = FloatVector.broadcast(FS, ap[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
                x = FloatVector.broadcast(FS, ap[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
                x = FloatVector.broadcast(FS, ap[ai + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
                x = FloatVector.broadcast(FS, ap[ai + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
            }
            c00.intoArray(tile, 0 * NR); c01.intoArray(tile, 0 * NR + LANES);
            c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + LANES);
            c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + LANES);
            c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + LANES);
            c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + LANES);
            c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + LANES);
            c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + LANES);
            c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + LANES);
        }

        @Override
        public void update(float[] tile, float alpha, float beta, float[] c, int cOff, int ldc, int rows) {
            for (int i = 0; i < rows; i++) {
                int t = i * NR, ci = cOff + i * ldc;
                FloatVector x0 = FloatVector.fromArray(FS, tile, t).mul(alpha);
                FloatVector x1 = FloatVector.fromArray(FS, tile, t + LANES).mul(alpha);
                if (beta != 0f) {
                    x0 = FloatVector.fromArray(FS, c, ci).mul(beta).add(x0);
                    x1 = FloatVector.fromArray(FS, c, ci + LANES).mul(beta).add(x1);
                }
                x0.intoArray(c, ci);
                x1.intoArray(c, ci + LANES);
            }
        }
    }

    private static final class DoubleKernel implements DoubleMicroKernel {
        static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
        static final int LANES = DS.length();
        static final int NR = 2 * LANES;
        // See Note [Vector GEMM blocking]: A block mc·kc·8 = 288 KiB, B micro-panel kc·nr·8 = 64 KiB (512-bit).
        private static final GemmBlocking BLOCKING = new GemmBlocking(MR, NR, 512, 72, 512 / NR * NR);

        @Override
        public GemmBlocking blocking() {
            return BLOCKING;
        }

        @Override
        public void multiply(int kc, double[] ap, int aOff, double[] bp, int bOff, double[] tile) {
            DoubleVector z = DoubleVector.zero(DS);
            DoubleVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z, c80 = z, c81 = z, c90 = z, c91 = z, ca0 = z, ca1 = z, cb0 = z, cb1 = z;
            for (int p = 0; p < kc; p++) {
                int ai = aOff + p * MR, bi = bOff + p * NR;
                DoubleVector b0 = DoubleVector.fromArray(DS, bp, bi), b1 = DoubleVector.fromArray(DS, bp, bi + LANES);
                DoubleVector x;
                x = DoubleVector.broadcast(DS, ap[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
                x = DoubleVector.broadcast(DS, ap[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
                x = DoubleVector.broadcast(DS, ap[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
                x = DoubleVector.broadcast(DS, ap[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
                x = DoubleVector.broadcast(DS, ap[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
                x = DoubleVector.broadcast(DS, ap[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
                x = DoubleVector.broadcast(DS, ap[ai + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
                x = DoubleVector.broadcast(DS, ap[ai + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
                x = DoubleVector.broadcast(DS, ap[ai + 8]); c80 = x.fma(b0, c80); c81 = x.fma(b1, c81);
                x = DoubleVector.broadcast(DS, ap[ai + 9]); c90 = x.fma(b0, c90); c91 = x.fma(b1, c91);
                x = DoubleVector.broadcast(DS, ap[ai + 10]); ca0 = x.fma(b0, ca0); ca1 = x.fma(b1, ca1);
                x = DoubleVector.broadcast(DS, ap[ai + 11]); cb0 = x.fma(b0, cb0); cb1 = x.fma(b1, cb1);
            }
            c00.intoArray(tile, 0 * NR); c01.intoArray(tile, 0 * NR + LANES);
            c10.intoArray(tile, 1 * NR); c11.intoArray(tile, 1 * NR + LANES);
            c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + LANES);
            c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + LANES);
            c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + LANES);
            c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + LANES);
            c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + LANES);
            c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + LANES);
            c80.intoArray(tile, 8 * NR); c81.intoArray(tile, 8 * NR + LANES);
            c90.intoArray(tile, 9 * NR); c91.intoArray(tile, 9 * NR + LANES);
            ca0.intoArray(tile, 10 * NR); ca1.intoArray(tile, 10 * NR + LANES);
            cb0.intoArray(tile, 11 * NR); cb1.intoArray(tile, 11 * NR + LANES);
        }

        @Override
        public void update(double[] tile, double alpha, double beta, double[] c, int cOff, int ldc, int rows) {
            for (int i = 0; i < rows; i++) {
                int t = i * NR, ci = cOff + i * ldc;
                DoubleVector x0 = DoubleVector.fromArray(DS, tile, t).mul(alpha);
                DoubleVector x1 = DoubleVector.fromArray(DS, tile, t + LANES).mul(alpha);
                if (beta != 0.0) {
                    x0 = DoubleVector.fromArray(DS, c, ci).mul(beta).add(x0);
                    x1 = DoubleVector.fromArray(DS, c, ci + LANES).mul(beta).add(x1);
                }
                x0.intoArray(c, ci);
                x1.intoArray(c, ci + LANES);
            }
        }
    }
}
