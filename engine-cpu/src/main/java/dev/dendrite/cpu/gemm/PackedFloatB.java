package dev.dendrite.cpu.gemm;

/**
 * The right-hand operand {@code op(B)[k,n]} of a single-precision GEMM, packed once for many products
 * (Note [Packing B once] in {@code SgemmDriver}). Made by {@link Gemm#packB}; used by the
 * {@link Gemm#sgemm(boolean, int, float, float[], int, int, PackedFloatB, float, float[], int, int) packed sgemm}.
 * It is a copy: later changes to the source array are not seen. Only valid with the kernel that packed
 * it, which is the only one a JVM runs. Its array comes from the CPU backend's pool; {@link #close}
 * gives it back.
 */
public final class PackedFloatB implements AutoCloseable {
    private float[] data;
    private final int k, n, nPad;
    private final GemmBlocking blocking;

    PackedFloatB(float[] data, int k, int n, int nPad, GemmBlocking blocking) {
        this.data = data;
        this.k = k;
        this.n = n;
        this.nPad = nPad;
        this.blocking = blocking;
    }

    /** Rows of {@code op(B)} (the product's depth). */
    public int k() {
        return k;
    }

    /** Columns of {@code op(B)} (and of C). */
    public int n() {
        return n;
    }

    float[] data() {
        if (data == null) throw new IllegalStateException("sgemm: this packed B [" + k + "," + n + "] was closed");
        return data;
    }

    /** Gives the packed array back to the pool; the object must not be used after. */
    @Override
    public void close() {
        dev.dendrite.cpu.ScratchArrays.release(data);
        data = null;
    }

    /** n rounded up to the register tile: the row length of each packed k slice. */
    int nPad() {
        return nPad;
    }

    GemmBlocking blocking() {
        return blocking;
    }
}
