package dev.dendrite.cpu.gemm;

/**
 * The portable path, used when the module {@code jdk.incubator.vector} is not readable, and callable
 * directly so tests cover it whatever the JVM flags. Same blocked, packed driver as the vector path with a
 * 4 × 4 register tile of scalars.
 *
 * <p>Note [Scalar GEMM tile]: HotSpot does not auto-vectorise the micro-kernel (its loops run over
 * runtime offsets into packed panels), so speed comes from the register tile: 16 independent
 * accumulators hide the add latency and each loaded value is used 4 times (4 × 8 and 8 × 4 tiles ran
 * up to 15% slower in single precision). We write {@code c += a * b} rather than {@link Math#fma}: on
 * CPUs without FMA instructions {@code Math.fma} falls back to a software routine that is orders of
 * magnitude slower, and this path exists precisely for the environments we know least about.
 */
final class ScalarGemm {
    private ScalarGemm() {
    }

    private static final int MR = 4, NR = 4;

    static final FloatMicroKernel FLOAT = new FloatKernel();
    static final DoubleMicroKernel DOUBLE = new DoubleKernel();

    /** {@link Gemm#sgemm} on the scalar path; arguments must already be valid. */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        SgemmDriver.sgemm(FLOAT, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** {@link Gemm#dgemm} on the scalar path; arguments must already be valid. */
    static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                      double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                      double beta, double[] c, int cOff, int ldc) {
        DgemmDriver.dgemm(DOUBLE, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    private static final class FloatKernel implements FloatMicroKernel {
        // kc·nr·4 bytes of B in L1, mc·kc·4 = 128 KiB of A in L2.
        private static final GemmBlocking BLOCKING = new GemmBlocking(MR, NR, 256, 128, 2048);

        @Override
        public GemmBlocking blocking() {
            return BLOCKING;
        }

        @Override
        public void multiply(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] tile) {
            float c00 = 0, c01 = 0, c02 = 0, c03 = 0;
            float c10 = 0, c11 = 0, c12 = 0, c13 = 0;
            float c20 = 0, c21 = 0, c22 = 0, c23 = 0;
            float c30 = 0, c31 = 0, c32 = 0, c33 = 0;
            for (int p = 0; p < kc; p++) {
                int ai = aOff + p * MR, bi = bOff + p * NR;
                float b0 = bp[bi], b1 = bp[bi + 1], b2 = bp[bi + 2], b3 = bp[bi + 3];
                float a0 = ap[ai];
                float a1 = ap[ai + 1];
                float a2 = ap[ai + 2];
                float a3 = ap[ai + 3];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
            tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
            tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
            tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
        }

        @Override
        public void update(float[] tile, float alpha, float beta, float[] c, int cOff, int ldc, int rows) {
            for (int i = 0; i < rows; i++) {
                int t = i * NR, ci = cOff + i * ldc;
                if (beta == 0f) {
                    for (int j = 0; j < NR; j++) c[ci + j] = alpha * tile[t + j];
                } else {
                    for (int j = 0; j < NR; j++) c[ci + j] = alpha * tile[t + j] + beta * c[ci + j];
                }
            }
        }
    }

    private static final class DoubleKernel implements DoubleMicroKernel {
        private static final GemmBlocking BLOCKING = new GemmBlocking(MR, NR, 256, 64, 2048);

        @Override
        public GemmBlocking blocking() {
            return BLOCKING;
        }

        @Override
        public void multiply(int kc, double[] ap, int aOff, double[] bp, int bOff, double[] tile) {
            double c00 = 0, c01 = 0, c02 = 0, c03 = 0;
            double c10 = 0, c11 = 0, c12 = 0, c13 = 0;
            double c20 = 0, c21 = 0, c22 = 0, c23 = 0;
            double c30 = 0, c31 = 0, c32 = 0, c33 = 0;
            for (int p = 0; p < kc; p++) {
                int ai = aOff + p * MR, bi = bOff + p * NR;
                double b0 = bp[bi], b1 = bp[bi + 1], b2 = bp[bi + 2], b3 = bp[bi + 3];
                double a0 = ap[ai];
                double a1 = ap[ai + 1];
                double a2 = ap[ai + 2];
                double a3 = ap[ai + 3];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
            tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
            tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
            tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
        }

        @Override
        public void update(double[] tile, double alpha, double beta, double[] c, int cOff, int ldc, int rows) {
            for (int i = 0; i < rows; i++) {
                int t = i * NR, ci = cOff + i * ldc;
                if (beta == 0.0) {
                    for (int j = 0; j < NR; j++) c[ci + j] = alpha * tile[t + j];
                } else {
                    for (int j = 0; j < NR; j++) c[ci + j] = alpha * tile[t + j] + beta * c[ci + j];
                }
            }
        }
    }
}
