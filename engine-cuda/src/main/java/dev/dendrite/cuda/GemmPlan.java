package dev.dendrite.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How one {@code Backend.matmul} becomes cuBLAS calls: pure arithmetic on shapes and strides, no
 * JCuda types, so it is tested on the CPU by executing the planned column-major calls literally.
 *
 * <p>Note [Row-major GEMM through column-major cuBLAS]
 * cuBLAS is column-major. Row-major {@code C[m,n] = op(a)[m,k]·op(b)[k,n]} has the bytes of the
 * column-major {@code Cᵀ[n,m] = op(b)ᵀ·op(a)ᵀ}, so cuBLAS's first operand is our {@code b} and its
 * second our {@code a}, with cuBLAS's {@code m, n} = our {@code n, m}: for contiguous operands
 * {@code sgemm(N, N, n, m, k, 1, b, n, a, k, 0, c, n)}. A matrix stored row-major with row stride
 * {@code ld} is, read column-major with the same {@code ld}, its own transpose; one stored
 * column-major (a transposed view, row stride 1) is itself. So each operand's cuBLAS op is
 * {@code trans XOR storedColumnMajor}, and no operand is ever copied just to transpose it.
 *
 * <p>Batch dimensions (already broadcast to c's, strides possibly 0) are collapsed where all three
 * operands allow it; one strided-batched call covers the innermost collapsed dimension, and the
 * outer ones, if any remain, become separate calls. An operand whose matrices have unit stride in
 * neither dimension (or a 0 stride that cuBLAS cannot express as a leading dimension) must be
 * copied densely first: {@link #needsDenseCopy} says so, and {@link #plan} rejects it.
 */
public final class GemmPlan {
    private GemmPlan() {
    }

    /**
     * One cuBLAS {@code gemm} / {@code gemmStridedBatched} call in cuBLAS's own (column-major)
     * terms: {@code C = op(A)·op(B)} with {@code op(A)} {@code [m, k]}, {@code op(B)} {@code [k, n]},
     * {@code C} {@code [m, n]}, all offsets and strides in elements of the respective storage.
     * {@code A} is the data of our {@code b}, {@code B} of our {@code a} (see the class note).
     */
    public record Call(boolean transA, boolean transB, int m, int n, int k,
                       long aOffset, int lda, long strideA,
                       long bOffset, int ldb, long strideB,
                       long cOffset, int ldc, long strideC, int batchCount) {
        /** True when a plain (non-batched) gemm suffices. */
        public boolean isSingle() {
            return batchCount == 1;
        }

        @Override
        public String toString() {
            return "gemm" + (batchCount > 1 ? "StridedBatched" : "") + "(" + (transA ? 'T' : 'N') + ", " + (transB ? 'T' : 'N')
                    + ", m=" + m + ", n=" + n + ", k=" + k + ", A+" + aOffset + " lda=" + lda + (batchCount > 1 ? " strideA=" + strideA : "")
                    + ", B+" + bOffset + " ldb=" + ldb + (batchCount > 1 ? " strideB=" + strideB : "")
                    + ", C+" + cOffset + " ldc=" + ldc + (batchCount > 1 ? " strideC=" + strideC + ", batch=" + batchCount : "") + ")";
        }
    }

    /**
     * The calls for a matmul, or {@code zeroFill} when {@code k == 0} (c is all zeros; cuBLAS would
     * reject the degenerate leading dimensions). No calls at all when c is empty.
     */
    public record Plan(List<Call> calls, boolean zeroFill) {
    }

    /** How one operand's matrices sit in memory. */
    private record Layout(boolean columnMajor, int ld) {
    }

    /**
     * Whether a matrix operand {@code [..., rows, cols]} must be copied densely before cuBLAS can
     * read it: true when neither of its two trailing dimensions has unit stride (for size > 1), or
     * the other stride is too small to be a leading dimension (e.g. a row broadcast with stride 0).
     */
    public static boolean needsDenseCopy(int[] shape, int[] strides) {
        return layout(shape[shape.length - 2], shape[shape.length - 1],
                strides[strides.length - 2], strides[strides.length - 1]) == null;
    }

    private static Layout layout(int rows, int cols, int rowStride, int colStride) {
        // Row-major: element (i, j) at i·ld + j, a legal column-major matrix [cols, rows] when ld >= cols.
        if (cols <= 1 || colStride == 1) {
            int ld = rows <= 1 ? Math.max(cols, 1) : rowStride;
            if (ld >= Math.max(cols, 1)) return new Layout(false, ld);
        }
        // Column-major (a transposed view): element (i, j) at i + j·ld, legal when ld >= rows.
        if (rows <= 1 || rowStride == 1) {
            int ld = cols <= 1 ? Math.max(rows, 1) : colStride;
            if (ld >= Math.max(rows, 1)) return new Layout(true, ld);
        }
        return null;
    }

    /**
     * Plans {@code c = op(a)·op(b)} for views with the given shapes, strides and offsets (elements).
     * Shapes as in {@code Backend.matmul}: a {@code [batch..., m, k]} ({@code [..., k, m]} when
     * {@code transA}), b {@code [batch..., k, n]} ({@code [..., n, k]} when {@code transB}), c
     * {@code [batch..., m, n]}; all three have c's rank, batch dimensions equal to c's (strides
     * may be 0).
     *
     * @throws IllegalArgumentException if an operand needs a dense copy first ({@link #needsDenseCopy}),
     *                                  or shapes are inconsistent
     */
    public static Plan plan(int[] aShape, int[] aStrides, long aOffset, boolean transA,
                            int[] bShape, int[] bStrides, long bOffset, boolean transB,
                            int[] cShape, int[] cStrides, long cOffset) {
        int rank = cShape.length;
        if (rank < 2 || aShape.length != rank || bShape.length != rank)
            throw new IllegalArgumentException("matmul plan: ranks differ or < 2: a" + Arrays.toString(aShape) + " b"
                    + Arrays.toString(bShape) + " c" + Arrays.toString(cShape));
        int m = cShape[rank - 2], n = cShape[rank - 1];
        int k = transA ? aShape[rank - 2] : aShape[rank - 1];
        int kb = transB ? bShape[rank - 1] : bShape[rank - 2];
        int ma = transA ? aShape[rank - 1] : aShape[rank - 2];
        int nb = transB ? bShape[rank - 2] : bShape[rank - 1];
        if (k != kb || ma != m || nb != n)
            throw new IllegalArgumentException("matmul plan: shapes disagree: a" + Arrays.toString(aShape) + (transA ? "ᵀ" : "")
                    + " @ b" + Arrays.toString(bShape) + (transB ? "ᵀ" : "") + " -> c" + Arrays.toString(cShape));
        for (int i = 0; i < rank - 2; i++)
            if (aShape[i] != cShape[i] || bShape[i] != cShape[i])
                throw new IllegalArgumentException("matmul plan: batch dimension " + i + " differs: a" + Arrays.toString(aShape)
                        + " b" + Arrays.toString(bShape) + " c" + Arrays.toString(cShape) + " (broadcast before planning)");

        long total = 1;
        for (int d : cShape) total *= d;
        if (total == 0) return new Plan(List.of(), false);
        if (k == 0) return new Plan(List.of(), true);

        Layout la = layout(aShape[rank - 2], aShape[rank - 1], aStrides[rank - 2], aStrides[rank - 1]);
        Layout lb = layout(bShape[rank - 2], bShape[rank - 1], bStrides[rank - 2], bStrides[rank - 1]);
        Layout lc = layout(m, n, cStrides[rank - 2], cStrides[rank - 1]);
        if (la == null || lb == null)
            throw new IllegalArgumentException("matmul plan: operand " + (la == null ? "a" + Arrays.toString(aShape) + " strides "
                    + Arrays.toString(aStrides) : "b" + Arrays.toString(bShape) + " strides " + Arrays.toString(bStrides))
                    + " has no unit-stride matrix dimension; copy it densely first");
        if (lc == null || lc.columnMajor())
            throw new IllegalArgumentException("matmul plan: output c" + Arrays.toString(cShape) + " strides " + Arrays.toString(cStrides)
                    + " must be row-major");

        boolean opA = transB ^ lb.columnMajor();   // cuBLAS A = our b
        boolean opB = transA ^ la.columnMajor();   // cuBLAS B = our a
        int ldc = lc.ld();

        // Collapse batch dimensions (size-1 ones dropped, adjacent ones merged where all three allow).
        List<int[]> dims = new ArrayList<>(); // {size, strideA(our a), strideB(our b), strideC}
        for (int i = 0; i < rank - 2; i++) {
            if (cShape[i] == 1) continue;
            int[] cur = {cShape[i], aStrides[i], bStrides[i], cStrides[i]};
            if (!dims.isEmpty()) {
                int[] prev = dims.get(dims.size() - 1);
                if ((long) prev[1] == (long) cur[1] * cur[0] && (long) prev[2] == (long) cur[2] * cur[0]
                        && (long) prev[3] == (long) cur[3] * cur[0]) {
                    long merged = (long) prev[0] * cur[0];
                    if (merged <= Integer.MAX_VALUE) {
                        dims.set(dims.size() - 1, new int[]{(int) merged, cur[1], cur[2], cur[3]});
                        continue;
                    }
                }
            }
            dims.add(cur);
        }

        List<Call> calls = new ArrayList<>();
        int inner = dims.isEmpty() ? 1 : dims.get(dims.size() - 1)[0];
        long innerA = dims.isEmpty() ? 0 : dims.get(dims.size() - 1)[1];
        long innerB = dims.isEmpty() ? 0 : dims.get(dims.size() - 1)[2];
        long innerC = dims.isEmpty() ? 0 : dims.get(dims.size() - 1)[3];
        int outerRank = Math.max(dims.size() - 1, 0);
        long outerCount = 1;
        for (int i = 0; i < outerRank; i++) outerCount *= dims.get(i)[0];
        int[] idx = new int[outerRank];
        for (long o = 0; o < outerCount; o++) {
            long offA = aOffset, offB = bOffset, offC = cOffset;
            for (int i = 0; i < outerRank; i++) {
                offA += (long) idx[i] * dims.get(i)[1];
                offB += (long) idx[i] * dims.get(i)[2];
                offC += (long) idx[i] * dims.get(i)[3];
            }
            calls.add(new Call(opA, opB, n, m, k,
                    offB, lb.ld(), inner == 1 ? 0 : innerB,
                    offA, la.ld(), inner == 1 ? 0 : innerA,
                    offC, ldc, inner == 1 ? 0 : innerC, inner));
            for (int i = outerRank - 1; i >= 0; i--) {
                if (++idx[i] < dims.get(i)[0]) break;
                idx[i] = 0;
            }
        }
        return new Plan(calls, false);
    }
}
