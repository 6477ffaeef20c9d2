package dev.dendrite;

import org.junit.jupiter.api.Test;

import static dev.dendrite.TensorAsserts.FLOATS;
import static dev.dendrite.TensorAsserts.assertClose;
import static dev.dendrite.TensorAsserts.permutedView;
import static dev.dendrite.TensorAsserts.steppedView;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Matmul with NumPy semantics against the textbook triple loop. */
class MatmulTest {

    /**
     * GEMM accumulates in the dtype, in its own order: allow about k rounding errors of terms up to 4
     * (inputs are in [-2, 2)), i.e. 4k·2⁻²⁴ in float32; a wrong element is off by O(1).
     */
    private static void check(String what, Nd a, Nd b, Tensor ta, Tensor tb) {
        Nd expected = Nd.matmul(a, b);
        Tensor c = ta.matmul(tb);
        DType dt = ta.dtype();
        int k = a.shape[a.rank() - 1];
        double atol = dt == DType.FLOAT32 ? 4.0 * k * 6e-8 * 8 : 4.0 * k * 1.2e-16 * 8;
        assertClose(what + " " + TensorAsserts.describe(ta) + " @ " + TensorAsserts.describe(tb), expected, c,
                TensorAsserts.rtol(dt), atol + 1e-300);
    }

    private static void checkAllLayouts(String what, int[] sa, int[] sb) {
        Nd a = Nd.random(sa.length * 31L + 1, sa), b = Nd.random(sb.length * 17L + 2, sb);
        for (DType dt : FLOATS) {
            check(what, a, b, a.tensor(dt), b.tensor(dt));
            check(what, a, b, permutedView(a, dt), b.tensor(dt));
            check(what, a, b, a.tensor(dt), permutedView(b, dt));
            check(what, a, b, permutedView(a, dt), permutedView(b, dt));
            check(what, a, b, steppedView(a, dt), steppedView(b, dt));
            check(what, a, b, steppedView(a, dt), permutedView(b, dt));
        }
    }

    @Test
    void vectorDotVector() {
        checkAllLayouts("dot", new int[]{7}, new int[]{7});
        Tensor d = Tensor.fromArray(new double[]{1, 2, 3}, 3).matmul(Tensor.fromArray(new double[]{4, 5, 6}, 3));
        assertEquals(Shape.scalar(), d.shape());
        assertEquals(32, d.item());
    }

    @Test
    void matrixTimesVectorAndVectorTimesMatrix() {
        checkAllLayouts("m·v", new int[]{5, 3}, new int[]{3});
        checkAllLayouts("v·m", new int[]{3}, new int[]{3, 4});
        checkAllLayouts("v·batch", new int[]{4}, new int[]{2, 4, 5});
        checkAllLayouts("batch·v", new int[]{2, 3, 4}, new int[]{4});
        // [[1, 2], [3, 4]] · [1, 1] = [3, 7]; [1, 1] · [[1, 2], [3, 4]] = [4, 6].
        Tensor m = Tensor.fromArray(new double[]{1, 2, 3, 4}, 2, 2), v = Tensor.fromArray(new double[]{1, 1}, 2);
        assertArrayEquals(new double[]{3, 7}, m.matmul(v).toDoubleArray());
        assertArrayEquals(new double[]{4, 6}, v.matmul(m).toDoubleArray());
    }

    @Test
    void matrices() {
        checkAllLayouts("m·m", new int[]{4, 3}, new int[]{3, 5});
        checkAllLayouts("1×1", new int[]{1, 1}, new int[]{1, 1});
        checkAllLayouts("row·col", new int[]{1, 6}, new int[]{6, 1});
        checkAllLayouts("col·row", new int[]{6, 1}, new int[]{1, 6});
        Tensor a = Tensor.fromArray(new double[]{1, 2, 3, 4, 5, 6}, 2, 3), b = Tensor.fromArray(new double[]{7, 8, 9, 10, 11, 12}, 3, 2);
        assertArrayEquals(new double[]{58, 64, 139, 154}, a.matmul(b).toDoubleArray());
        // Transposed views are handed to GEMM as transposes, not copied: same values.
        assertArrayEquals(new double[]{58, 139, 64, 154}, b.transpose(0, 1).matmul(a.transpose(0, 1)).toDoubleArray());
    }

    @Test
    void batchedWithBroadcasting() {
        checkAllLayouts("batched", new int[]{3, 2, 4}, new int[]{3, 4, 5});
        checkAllLayouts("broadcast batch", new int[]{2, 1, 3, 4}, new int[]{5, 4, 6});
        checkAllLayouts("batch · matrix", new int[]{7, 2, 3}, new int[]{3, 4});
        checkAllLayouts("matrix · batch", new int[]{2, 3}, new int[]{7, 3, 4});
        checkAllLayouts("batch 1 vs 3", new int[]{1, 2, 3}, new int[]{3, 3, 2});
    }

    @Test
    void operandsWithBroadcastRowsOrColumns() {
        // expand() gives matrices with a zero row or column stride.
        Nd row = Nd.random(41, 1, 4), col = Nd.random(42, 4, 1), b = Nd.random(43, 4, 3), a = Nd.random(44, 3, 4);
        for (DType dt : FLOATS) {
            Tensor rows = row.tensor(dt).expand(5, 4);
            assertFalse(rows.isContiguous());
            check("expanded rows", row.expand(5, 4), b, rows, b.tensor(dt));
            check("expanded columns", col.expand(4, 3), b.permute(1, 0), col.tensor(dt).expand(4, 3), b.permute(1, 0).tensor(dt));
            check("expanded right operand", a, col.expand(4, 3), a.tensor(dt), col.tensor(dt).expand(4, 3));
            check("expanded right rows", a, row.permute(1, 0).expand(4, 2), a.tensor(dt), row.permute(1, 0).tensor(dt).expand(4, 2));
            Nd s = new Nd(new int[]{1, 1}, new double[]{1.5});
            check("expanded scalar matrix", s.expand(3, 4), b, Tensor.scalar(1.5, dt).expand(3, 4), b.tensor(dt));
            check("expanded batch", b.reshape(1, 4, 3).expand(2, 4, 3), a.reshape(1, 3, 4).expand(2, 3, 4),
                    b.tensor(dt).expand(2, 4, 3), a.tensor(dt).expand(2, 3, 4));
        }
    }

    @Test
    void zeroSizedProducts() {
        for (DType dt : FLOATS) {
            Tensor c = Tensor.zeros(Shape.of(2, 0), dt).matmul(Tensor.zeros(Shape.of(0, 3), dt));
            assertEquals(Shape.of(2, 3), c.shape());
            assertArrayEquals(new double[6], c.toDoubleArray(), "an empty sum is 0");
            assertEquals(Shape.of(0, 3), Tensor.zeros(Shape.of(0, 2), dt).matmul(Tensor.ones(Shape.of(2, 3), dt)).shape());
            assertEquals(Shape.of(2, 0), Tensor.ones(Shape.of(2, 2), dt).matmul(Tensor.ones(Shape.of(2, 0), dt)).shape());
            assertEquals(Shape.of(0, 2, 2), Tensor.ones(Shape.of(0, 2, 3), dt).matmul(Tensor.ones(Shape.of(3, 2), dt)).shape());
            assertEquals(0, Tensor.zeros(Shape.of(0), dt).matmul(Tensor.zeros(Shape.of(0), dt)).item());
        }
    }

    @Test
    void largeEnoughToUseEveryThread() {
        Nd a = Nd.random(51, 300, 257), b = Nd.random(52, 257, 129);
        for (DType dt : FLOATS) {
            check("300×257 @ 257×129", a, b, a.tensor(dt), b.tensor(dt));
            check("transposed 300×257 @ 257×129", a, b, permutedView(a, dt), permutedView(b, dt));
        }
        Nd p = Nd.random(53, 8, 33, 70), q = Nd.random(54, 8, 70, 41);
        check("batched 8 × 33×70 @ 70×41", p, q, p.tensor(DType.FLOAT32), q.tensor(DType.FLOAT32));
    }

    @Test
    void matmulErrors() {
        assertEquals("matmul: inner dimensions differ: a[2, 3] @ b[4, 5] (a.dim(-1)=3, b.dim(-2)=4)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5))).getMessage());
        assertEquals("matmul: dtypes differ: [2, 3] float32 vs [3, 2] float64 (convert one with .to(DType))",
                assertThrows(IllegalArgumentException.class,
                        () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(Shape.of(3, 2), DType.FLOAT64))).getMessage());
        assertEquals("matmul: needs a floating-point tensor, got [2, 2] int32",
                assertThrows(IllegalArgumentException.class,
                        () -> Tensor.zeros(Shape.of(2, 2), DType.INT32).matmul(Tensor.zeros(Shape.of(2, 2), DType.INT32))).getMessage());
        assertEquals("matmul: operands must have rank >= 1, got a[] @ b[2]",
                assertThrows(IllegalArgumentException.class, () -> Tensor.scalar(1, DType.FLOAT32).matmul(Tensor.zeros(2))).getMessage());
        assertEquals("matmul: batch dimensions of a[2, 3, 4] and b[5, 4, 6] cannot be broadcast ([2] vs [5])",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(5, 4, 6))).getMessage());
    }
}
