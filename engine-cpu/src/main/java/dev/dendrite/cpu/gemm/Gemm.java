package dev.dendrite.cpu.gemm;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * General matrix multiply on the CPU, row-major: {@code C = alpha · op(A) · op(B) + beta · C}.
 *
 * <p>Matrices are slices of flat arrays: element (i, j) of a matrix stored at offset {@code off} with
 * leading dimension {@code ld} is {@code x[off + i·ld + j]}. {@code op(A)} is {@code [m,k]}: A is stored
 * {@code [m,k]}, or {@code [k,m]} when {@code transA}. {@code op(B)} is {@code [k,n]}: B is stored
 * {@code [k,n]}, or {@code [n,k]} when {@code transB}. C is {@code [m,n]}.
 *
 * <p>Semantics follow the reference BLAS: {@code beta == 0} overwrites C without reading it (NaN in C is
 * ignored), {@code k == 0} or {@code alpha == 0} gives {@code C = beta · C} without reading A or B.
 *
 * <p>Two implementations share one blocked, packed, multi-threaded driver (Note [GEMM blocking] in
 * {@code SgemmDriver}, Note [GEMM threading] in {@code GemmPartition}): a Vector API micro-kernel when
 * the JVM runs with {@code --add-modules jdk.incubator.vector}, else a scalar one about 15× slower.
 * Which one runs is decided once and logged at INFO on first use.
 */
public final class Gemm {
    private Gemm() {
    }

    /**
     * {@code C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C} in single precision.
     *
     * @param a A stored {@code [m,k]} with row stride {@code lda} (or {@code [k,m]} when {@code transA}), from {@code aOff}
     * @param b B stored {@code [k,n]} with row stride {@code ldb} (or {@code [n,k]} when {@code transB}), from {@code bOff}
     * @param c C stored {@code [m,n]} with row stride {@code ldc}, from {@code cOff}; must not overlap A or B
     * @throws IllegalArgumentException on negative sizes or offsets, a leading dimension smaller than its
     *                                  row, or a matrix that runs past the end of its array
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        check("sgemm", transA, transB, m, n, k, a == null ? -1 : a.length, aOff, lda,
                b == null ? -1 : b.length, bOff, ldb, c == null ? -1 : c.length, cOff, ldc);
        SgemmDriver.sgemm(Impl.FLOAT, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * Packs {@code op(B)[k,n]} once for repeated {@link #sgemm(boolean, int, float, float[], int, int, PackedFloatB, float, float[], int, int)}
     * calls with the same right-hand side (an RNN's recurrent weight at every time step).
     *
     * @param b B stored {@code [k,n]} with row stride {@code ldb} (or {@code [n,k]} when {@code transB}), from {@code bOff}
     */
    public static PackedFloatB packB(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        if (k < 0 || n < 0) throw new IllegalArgumentException("sgemm packB: sizes must be >= 0, got k=" + k + " n=" + n);
        String bad = k == 0 || n == 0 ? null
                : checkMatrix("B", b == null ? -1 : b.length, bOff, ldb, transB ? n : k, transB ? k : n);
        if (bad != null) throw new IllegalArgumentException("sgemm packB: " + bad + " (k=" + k + ", n=" + n + ", transB=" + transB + ")");
        return SgemmDriver.pack(Impl.FLOAT.blocking(), transB, k, n, b, bOff, ldb);
    }

    /**
     * Writes op(B) piecewise for {@link #packB(int, int, RowSource)}, so that a B which exists only
     * implicitly (a convolution's column matrix) is packed straight from its source, never stored whole.
     */
    @FunctionalInterface
    public interface RowSource {
        /**
         * Writes {@code op(B)[p0 + i, j0 .. j0 + count)} to {@code dst[dstOff + i·dstStride ..]} for every
         * {@code i < rows} (all of them: the destination holds stale data).
         */
        void rows(int p0, int rows, int j0, int count, float[] dst, int dstOff, int dstStride);
    }

    /**
     * Packs {@code op(B)[k,n]} as {@link #packB(boolean, int, int, float[], int, int)} does, reading it
     * from {@code source} one block of rows × at most one register-tile width of columns at a time.
     */
    public static PackedFloatB packB(int k, int n, RowSource source) {
        if (k < 0 || n < 0) throw new IllegalArgumentException("sgemm packB: sizes must be >= 0, got k=" + k + " n=" + n);
        return SgemmDriver.pack(Impl.FLOAT.blocking(), k, n, source);
    }

    /**
     * {@code C[m,n] = alpha · op(A)[m,k] · B + beta · C} with B packed by {@link #packB}; same results
     * as the unpacked {@link #sgemm} bit for bit.
     */
    public static void sgemm(boolean transA, int m, float alpha, float[] a, int aOff, int lda, PackedFloatB b,
                             float beta, float[] c, int cOff, int ldc) {
        int n = b.n(), k = b.k();
        if (m < 0) throw new IllegalArgumentException("sgemm: sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        // B was validated when it was packed.
        String bad = m > 0 && n > 0 && k > 0 ? checkMatrix("A", a == null ? -1 : a.length, aOff, lda, transA ? k : m, transA ? m : k) : null;
        if (bad == null && m > 0 && n > 0) bad = checkMatrix("C", c == null ? -1 : c.length, cOff, ldc, m, n);
        if (bad != null)
            throw new IllegalArgumentException("sgemm: " + bad + " (m=" + m + ", n=" + n + ", k=" + k + ", transA=" + transA + ", B packed)");
        SgemmDriver.sgemm(Impl.FLOAT, transA, m, alpha, a, aOff, lda, b, beta, c, cOff, ldc);
    }

    /**
     * {@code C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C} in double precision; see
     * {@link #sgemm} for the layout and the exceptions.
     */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                             double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                             double beta, double[] c, int cOff, int ldc) {
        check("dgemm", transA, transB, m, n, k, a == null ? -1 : a.length, aOff, lda,
                b == null ? -1 : b.length, bOff, ldb, c == null ? -1 : c.length, cOff, ldc);
        DgemmDriver.dgemm(Impl.DOUBLE, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * Which kernel runs: {@code "vector (FloatVector 512-bit, 16 lanes)"} (bits and lanes of the preferred
     * species) or {@code "scalar (enable the fast path with --add-modules jdk.incubator.vector)"}.
     */
    public static String kernelDescription() {
        return Impl.DESCRIPTION;
    }

    /** Whether the Vector API kernel runs (the JVM was started with {@code --add-modules jdk.incubator.vector}). */
    public static boolean isVectorized() {
        return Impl.VECTORIZED;
    }

    static final String SCALAR_DESCRIPTION = "scalar (enable the fast path with --add-modules jdk.incubator.vector)";

    /**
     * Chooses the kernels on first use. Note [Loading the vector kernel]: {@code VectorGemmKernel} is named
     * only inside the branch taken when the module is in the boot layer, and its factories return our own
     * interfaces, so neither verification nor execution of this class loads an incubator class on the
     * scalar path (which would throw {@code NoClassDefFoundError}).
     */
    private static final class Impl {
        private static final Logger log = LoggerFactory.getLogger(Gemm.class);
        static final boolean VECTORIZED = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        static final FloatMicroKernel FLOAT;
        static final DoubleMicroKernel DOUBLE;
        static final String DESCRIPTION;

        static {
            if (VECTORIZED) {
                FLOAT = VectorGemmKernel.floatKernel();
                DOUBLE = VectorGemmKernel.doubleKernel();
                DESCRIPTION = VectorGemmKernel.description();
                log.info("GEMM kernel: {}", DESCRIPTION);
            } else {
                FLOAT = ScalarGemm.FLOAT;
                DOUBLE = ScalarGemm.DOUBLE;
                DESCRIPTION = SCALAR_DESCRIPTION;
                log.info("GEMM kernel: scalar; start the JVM with --add-modules jdk.incubator.vector for the vector kernel (about 15x faster)");
            }
        }
    }

    /** Validates once, naming the op and the offending values; the drivers assume valid arguments. */
    static void check(String op, boolean transA, boolean transB, int m, int n, int k,
                      int aLen, int aOff, int lda, int bLen, int bOff, int ldb, int cLen, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0)
            throw new IllegalArgumentException(op + ": sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        // A and B are only read when the product has terms; C whenever it has elements.
        boolean product = m > 0 && n > 0 && k > 0;
        String bad = null;
        if (product) {
            bad = checkMatrix("A", aLen, aOff, lda, transA ? k : m, transA ? m : k);
            if (bad == null) bad = checkMatrix("B", bLen, bOff, ldb, transB ? n : k, transB ? k : n);
        }
        if (bad == null && m > 0 && n > 0) bad = checkMatrix("C", cLen, cOff, ldc, m, n);
        if (bad != null)
            throw new IllegalArgumentException(op + ": " + bad + " (m=" + m + ", n=" + n + ", k=" + k
                    + ", transA=" + transA + ", transB=" + transB + ")");
    }

    /** What is wrong with one operand stored {@code [rows, cols]} ({@code len < 0}: null array), or null if nothing. */
    private static String checkMatrix(String name, int len, int off, int ld, int rows, int cols) {
        if (len < 0) return name + " is null";
        String ldName = name.equals("A") ? "lda" : name.equals("B") ? "ldb" : "ldc";
        if (ld < Math.max(1, cols))
            return ldName + "=" + ld + " is smaller than the row length of " + name + " stored [" + rows + "," + cols + "]";
        if (off < 0) return name + " offset must be >= 0, got " + off;
        long last = (long) off + (long) (rows - 1) * ld + cols - 1;
        if (last >= len)
            return name + " stored [" + rows + "," + cols + "] with offset " + off + " and " + ldName + "=" + ld
                    + " ends at index " + last + " but the array has length " + len;
        return null;
    }
}
