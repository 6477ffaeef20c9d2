package dev.dendrite.cuda;

import dev.dendrite.Device;
import dev.dendrite.Engine;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.View;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * GemmPlan checked by executing its cuBLAS calls literally with a column-major reference GEMM
 * written here, on the storage of CPU tensors, and comparing with the CPU backend's matmul.
 */
class GemmPlanTest {
    private static final Backend CPU = Engine.backend("cpu");

    /** cuBLAS's gemm semantics, column-major, exactly as documented; one batch entry at a time. */
    private static void referenceGemm(GemmPlan.Call call, double[] aData, double[] bData, double[] cData) {
        for (int batch = 0; batch < call.batchCount(); batch++) {
            long ao = call.aOffset() + batch * call.strideA(), bo = call.bOffset() + batch * call.strideB();
            long co = call.cOffset() + batch * call.strideC();
            for (int col = 0; col < call.n(); col++) {
                for (int row = 0; row < call.m(); row++) {
                    double s = 0;
                    for (int p = 0; p < call.k(); p++) {
                        double av = call.transA() ? aData[(int) (ao + p + (long) row * call.lda())] : aData[(int) (ao + row + (long) p * call.lda())];
                        double bv = call.transB() ? bData[(int) (bo + col + (long) p * call.ldb())] : bData[(int) (bo + p + (long) col * call.ldb())];
                        s += av * bv;
                    }
                    cData[(int) (co + row + (long) col * call.ldc())] = s;
                }
            }
        }
    }

    private static void checkLd(GemmPlan.Call c) {
        // cuBLAS's own argument rules (CUBLAS_STATUS_INVALID_VALUE otherwise).
        assertTrue(c.lda() >= Math.max(1, c.transA() ? c.k() : c.m()), () -> "lda too small: " + c);
        assertTrue(c.ldb() >= Math.max(1, c.transB() ? c.n() : c.k()), () -> "ldb too small: " + c);
        assertTrue(c.ldc() >= Math.max(1, c.m()), () -> "ldc too small: " + c);
        assertTrue(c.m() >= 0 && c.n() >= 0 && c.k() > 0 && c.batchCount() >= 1, c::toString);
    }

    @Test
    void contiguousProductIsTheTextbookSwap() {
        // Row-major C[2,4] = A[2,3]·B[3,4]  ->  sgemm(N, N, 4, 2, 3, 1, B, 4, A, 3, 0, C, 4).
        GemmPlan.Plan plan = GemmPlan.plan(new int[]{2, 3}, new int[]{3, 1}, 0, false,
                new int[]{3, 4}, new int[]{4, 1}, 0, false, new int[]{2, 4}, new int[]{4, 1}, 0);
        assertEquals(1, plan.calls().size());
        assertEquals(new GemmPlan.Call(false, false, 4, 2, 3, 0, 4, 0, 0, 3, 0, 0, 4, 0, 1), plan.calls().get(0));
    }

    @Test
    void transposedViewsBecomeTransposeFlagsWithoutCopies() {
        // a = Xᵀ where X is contiguous [3, 2]: a [2,3] strides (1, 2) is column-major with ld 2.
        // b passed with transB over a contiguous [4, 3] storage: op(b) = bᵀ, row-major -> cuBLAS op T.
        GemmPlan.Plan plan = GemmPlan.plan(new int[]{2, 3}, new int[]{1, 2}, 5, false,
                new int[]{4, 3}, new int[]{3, 1}, 7, true, new int[]{2, 4}, new int[]{4, 1}, 0);
        GemmPlan.Call c = plan.calls().get(0);
        assertTrue(c.transA(), "b used transposed, stored row-major -> T");
        assertTrue(c.transB(), "a stored column-major, not transposed -> T");
        assertEquals(3, c.lda());
        assertEquals(2, c.ldb());
        assertEquals(7, c.aOffset());
        assertEquals(5, c.bOffset());
    }

    @Test
    void broadcastBatchUsesZeroStrideAndUncollapsibleBatchesSplit() {
        // a [2,3,m,k] broadcast along dim 0 (stride 0), b contiguous, c contiguous: dims cannot merge,
        // so two strided-batched calls of 3, a's batch stride 6 and offsets stepping 0 (broadcast).
        int m = 2, k = 3, n = 4;
        GemmPlan.Plan plan = GemmPlan.plan(new int[]{2, 3, m, k}, new int[]{0, 6, 3, 1}, 0, false,
                new int[]{2, 3, k, n}, new int[]{36, 12, 4, 1}, 0, false,
                new int[]{2, 3, m, n}, new int[]{24, 8, 4, 1}, 0);
        assertEquals(2, plan.calls().size());
        GemmPlan.Call first = plan.calls().get(0), second = plan.calls().get(1);
        assertEquals(3, first.batchCount());
        assertEquals(6, first.strideB(), "our a is cuBLAS B");
        assertEquals(12, first.strideA());
        assertEquals(0, second.bOffset(), "a broadcast along dim 0: same matrices again");
        assertEquals(36, second.aOffset());
        assertEquals(24, second.cOffset());

        // Fully contiguous batches [2,3] merge into one call of 6.
        GemmPlan.Plan merged = GemmPlan.plan(new int[]{2, 3, m, k}, new int[]{18, 6, 3, 1}, 0, false,
                new int[]{2, 3, k, n}, new int[]{36, 12, 4, 1}, 0, false,
                new int[]{2, 3, m, n}, new int[]{24, 8, 4, 1}, 0);
        assertEquals(1, merged.calls().size());
        assertEquals(6, merged.calls().get(0).batchCount());
    }

    @Test
    void degenerateShapes() {
        assertTrue(GemmPlan.plan(new int[]{2, 0}, new int[]{0, 1}, 0, false, new int[]{0, 3}, new int[]{3, 1}, 0, false,
                new int[]{2, 3}, new int[]{3, 1}, 0).zeroFill(), "k = 0 gives zeros");
        GemmPlan.Plan empty = GemmPlan.plan(new int[]{0, 2}, new int[]{2, 1}, 0, false, new int[]{2, 3}, new int[]{3, 1}, 0, false,
                new int[]{0, 3}, new int[]{3, 1}, 0);
        assertTrue(empty.calls().isEmpty() && !empty.zeroFill());
        // Stride-2 columns and rows: no unit stride -> needs a dense copy, and plan refuses it.
        assertTrue(GemmPlan.needsDenseCopy(new int[]{3, 4}, new int[]{8, 2}));
        assertFalse(GemmPlan.needsDenseCopy(new int[]{3, 4}, new int[]{8, 1}));
        assertFalse(GemmPlan.needsDenseCopy(new int[]{3, 4}, new int[]{1, 3}));
        // A row broadcast [3, 4] strides (0, 1): ld 0 is illegal for cuBLAS.
        assertTrue(GemmPlan.needsDenseCopy(new int[]{3, 4}, new int[]{0, 1}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmPlan.plan(
                new int[]{3, 4}, new int[]{8, 2}, 0, false, new int[]{4, 2}, new int[]{2, 1}, 0, false, new int[]{3, 2}, new int[]{2, 1}, 0));
        assertTrue(e.getMessage().contains("a[3, 4] strides [8, 2]"), e.getMessage());
    }

    private enum Kind { ROW, COL, BROADCAST, STRIDED }

    /** A CPU tensor with logical shape {@code dims} laid out as {@code kind}, plus its storage data. */
    private record Operand(Tensor tensor, double[] storage) {
    }

    private static Operand operand(int[] dims, Kind kind, Random rnd) {
        int r = dims.length;
        int[] base = dims.clone();
        switch (kind) {
            case ROW, BROADCAST -> { }
            case COL -> { base[r - 2] = dims[r - 1]; base[r - 1] = dims[r - 2]; }
            case STRIDED -> base[r - 1] = dims[r - 1] * 2 + 1;
        }
        if (kind == Kind.BROADCAST) for (int i = 0; i < r - 2; i++) if (rnd.nextBoolean()) base[i] = 1;
        int count = Shape.of(base).numel();
        double[] data = new double[count];
        for (int i = 0; i < count; i++) data[i] = rnd.nextInt(17) - 8 + rnd.nextInt(4) * 0.25;
        Tensor t = Tensor.fromArray(data, Shape.of(base), Device.CPU);
        Tensor v = switch (kind) {
            case ROW -> t;
            case COL -> t.transpose(r - 2, r - 1);
            case BROADCAST -> t.expand(dims);
            case STRIDED -> t.slice(r - 1, 1, 1 + 2 * dims[r - 1], 2);
        };
        return new Operand(v, data);
    }

    @Test
    void randomCasesMatchTheCpuBackend() {
        Random rnd = new Random(20261122);
        int checked = 0, copies = 0;
        for (int iter = 0; iter < 400; iter++) {
            int batchRank = rnd.nextInt(4);
            int[] batch = new int[batchRank];
            for (int i = 0; i < batchRank; i++) batch[i] = 1 + rnd.nextInt(3);
            int m = rnd.nextInt(6), n = rnd.nextInt(6), k = rnd.nextInt(6);
            if (iter % 7 != 0) { m = Math.max(m, 1); n = Math.max(n, 1); k = Math.max(k, 1); }
            boolean transA = rnd.nextBoolean(), transB = rnd.nextBoolean();
            int[] aDims = Arrays.copyOf(batch, batchRank + 2), bDims = Arrays.copyOf(batch, batchRank + 2), cDims = Arrays.copyOf(batch, batchRank + 2);
            aDims[batchRank] = transA ? k : m; aDims[batchRank + 1] = transA ? m : k;
            bDims[batchRank] = transB ? n : k; bDims[batchRank + 1] = transB ? k : n;
            cDims[batchRank] = m; cDims[batchRank + 1] = n;
            Kind[] kinds = Kind.values();
            Operand a = operand(aDims, kinds[rnd.nextInt(kinds.length)], rnd);
            Operand b = operand(bDims, kinds[rnd.nextInt(kinds.length)], rnd);

            if (Shape.of(cDims).numel() == 0) {
                // Nothing to compute (and the CPU's fill rejects empty outputs: engine-api's View.isContiguous
                // says false for a zero-size dimension). The plan must issue no call.
                assertTrue(GemmPlan.plan(aDims, Shape.of(aDims).contiguousStrides(), 0, transA, bDims, Shape.of(bDims).contiguousStrides(), 0,
                        transB, cDims, Shape.of(cDims).contiguousStrides(), 0).calls().isEmpty());
                checked++;
                continue;
            }
            Tensor expected = Tensor.zeros(Shape.of(cDims), dev.dendrite.DType.FLOAT64, Device.CPU);
            CPU.matmul(a.tensor().view(), transA, b.tensor().view(), transB, expected.view());

            // What the CUDA backend does: densify operands cuBLAS cannot read, then plan.
            View av = a.tensor().view(), bv = b.tensor().view();
            double[] aData = a.storage(), bData = b.storage();
            if (GemmPlan.needsDenseCopy(av.shape(), av.strides())) {
                aData = a.tensor().contiguous().toDoubleArray();
                av = new View(av.storage(), av.shape(), Shape.of(av.shape()).contiguousStrides(), 0);
                copies++;
            }
            if (GemmPlan.needsDenseCopy(bv.shape(), bv.strides())) {
                bData = b.tensor().contiguous().toDoubleArray();
                bv = new View(bv.storage(), bv.shape(), Shape.of(bv.shape()).contiguousStrides(), 0);
                copies++;
            }
            int[] cStrides = Shape.of(cDims).contiguousStrides();
            GemmPlan.Plan plan = GemmPlan.plan(av.shape(), av.strides(), av.offset(), transA, bv.shape(), bv.strides(), bv.offset(), transB,
                    cDims, cStrides, 0);
            double[] c = new double[Shape.of(cDims).numel()];
            Arrays.fill(c, Double.NaN);
            if (plan.zeroFill()) Arrays.fill(c, 0);
            for (GemmPlan.Call call : plan.calls()) {
                checkLd(call);
                referenceGemm(call, bData, aData, c);
            }
            double[] want = expected.toDoubleArray();
            String what = "a" + Arrays.toString(aDims) + " strides " + Arrays.toString(a.tensor().view().strides()) + (transA ? "ᵀ" : "")
                    + " b" + Arrays.toString(bDims) + " strides " + Arrays.toString(b.tensor().view().strides()) + (transB ? "ᵀ" : "")
                    + " plan " + plan;
            assertArrayEquals(want, c, 1e-9, what);
            checked++;
        }
        assertEquals(400, checked);
        assertTrue(copies > 20, "the random cases must exercise the dense-copy path, got " + copies);
    }
}
