package dev.dendrite.cpu.gemm;

/**
 * A register-tiled single-precision micro-kernel: the only code that differs between the scalar and the
 * vector path. The driver ({@link SgemmDriver}) packs the operands, lets {@link #multiply} compute one
 * {@code mr×nr} product into a scratch tile and {@link #update} fold it into C.
 *
 * <p>Note [Kernel epilogue apart]: the product and the alpha/beta update are separate methods because
 * C2 stops inlining Vector API calls into one method past a node budget (NodeCountInliningCutoff); a
 * kernel that also applied alpha and beta to 24 accumulators lost the inlining of its own vector ops and
 * ran 15× slower. Storing the tile and reloading it costs about 1% of the {@code kc}-deep product.
 */
interface FloatMicroKernel {
    /** The tile shape this kernel computes and the cache blocking it was tuned with. */
    GemmBlocking blocking();

    /**
     * {@code tile[mr,nr] = Ap · Bp}, the tile row-major and dense from index 0.
     *
     * @param kc depth; {@code kc >= 1}
     * @param ap packed A micro-panel {@code [kc][mr]} starting at {@code aOff}
     * @param bp packed B micro-panel {@code [kc][nr]} starting at {@code bOff}
     */
    void multiply(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] tile);

    /**
     * As {@link #multiply} for the first {@code rows} ({@code 1..mr}) rows of the tile; the other rows
     * are left unspecified. The last row tile of a matrix whose height is not a multiple of mr (64 =
     * 5·12 + 4 rows) uses it to skip the padding rows. The default computes the whole tile.
     */
    default void multiplyRows(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] tile, int rows) {
        multiply(kc, ap, aOff, bp, bOff, tile);
    }

    /**
     * {@code C[rows,nr] = alpha · tile + beta · C} for the first {@code rows <= mr} rows of a tile of full width (row stride {@code ldc}, from
     * {@code cOff}); with {@code beta == 0} C is not read, so NaN in C is overwritten.
     */
    void update(float[] tile, float alpha, float beta, float[] c, int cOff, int ldc, int rows);
}
