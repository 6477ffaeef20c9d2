package dev.dendrite.cpu.gemm;

/**
 * A register-tiled double-precision micro-kernel: the only code that differs between the scalar and the
 * vector path. The driver ({@link DgemmDriver}) packs the operands, lets {@link #multiply} compute one
 * {@code mr×nr} product into a scratch tile and {@link #update} fold it into C.
 *
 * <p>Note [Kernel epilogue apart]: the product and the alpha/beta update are separate methods because
 * C2 stops inlining Vector API calls into one method past a node budget (NodeCountInliningCutoff); a
 * kernel that also applied alpha and beta to 24 accumulators lost the inlining of its own vector ops and
 * ran 15× slower. Storing the tile and reloading it costs about 1% of the {@code kc}-deep product.
 */
interface DoubleMicroKernel {
    /** The tile shape this kernel computes and the cache blocking it was tuned with. */
    GemmBlocking blocking();

    /**
     * {@code tile[mr,nr] = Ap · Bp}, the tile row-major and dense from index 0.
     *
     * @param kc depth; {@code kc >= 1}
     * @param ap packed A micro-panel {@code [kc][mr]} starting at {@code aOff}
     * @param bp packed B micro-panel {@code [kc][nr]} starting at {@code bOff}
     */
    void multiply(int kc, double[] ap, int aOff, double[] bp, int bOff, double[] tile);

    /**
     * {@code C[rows,nr] = alpha · tile + beta · C} for the first {@code rows <= mr} rows of a tile of full width (row stride {@code ldc}, from
     * {@code cOff}); with {@code beta == 0} C is not read, so NaN in C is overwritten.
     */
    void update(double[] tile, double alpha, double beta, double[] c, int cOff, int ldc, int rows);
}
