package dev.dendrite;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.dendrite.TensorAsserts.ALL;
import static dev.dendrite.TensorAsserts.FLOATS;
import static dev.dendrite.TensorAsserts.assertClose;
import static dev.dendrite.TensorAsserts.assertExact;
import static dev.dendrite.TensorAsserts.permutedView;
import static dev.dendrite.TensorAsserts.steppedView;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reductions over every set of axes, against the textbook twin. */
class ReductionTest {

    /** Every subset of the axes of a rank-3 tensor, each also spelled with negative axes. */
    private static List<int[]> axisSets() {
        List<int[]> sets = new ArrayList<>();
        for (int mask = 0; mask < 8; mask++) {
            List<Integer> ax = new ArrayList<>();
            for (int a = 0; a < 3; a++) if ((mask & 1 << a) != 0) ax.add(a);
            sets.add(ax.stream().mapToInt(Integer::intValue).toArray());
            sets.add(ax.stream().mapToInt(a -> a - 3).toArray());
        }
        sets.add(new int[]{2, 0});
        sets.add(new int[]{-1, 1});
        return sets;
    }

    private static List<Tensor> layouts(Nd x, DType dt) {
        return List.of(x.tensor(dt), permutedView(x, dt), steppedView(x, dt));
    }

    private static double rtol(DType dt) {
        // Sums of a few dozen terms: the backend and the oracle both add in double, possibly in another order.
        return dt == DType.FLOAT32 ? 1.2e-7 : dt == DType.FLOAT64 ? 1e-13 : 0;
    }

    /**
     * Long contiguous float runs take the vector sum (Note [Sums in double lanes]): lengths around and
     * past the 2×8-lane block, with and without a tail, over the last axis, the last two (merged runs)
     * and all axes; same oracle and tolerance as above (both sum in double, in another order).
     */
    @Test
    void floatSumsOverLongContiguousRuns() {
        for (int len : new int[]{15, 16, 17, 33, 100, 1031}) {
            Nd x = Nd.random(len, 3, 2, len).as(DType.FLOAT32);
            Tensor t = x.tensor(DType.FLOAT32);
            for (int[] axes : new int[][]{{2}, {1, 2}, {0, 1, 2}})
                for (boolean keep : new boolean[]{false, true}) {
                    String w = "length " + len + " axes " + java.util.Arrays.toString(axes) + " keepDim=" + keep;
                    assertClose("sum " + w, x.sum(axes, keep).as(DType.FLOAT32), t.sum(axes, keep), rtol(DType.FLOAT32), 1e-6 * rtol(DType.FLOAT32));
                    assertClose("mean " + w, x.mean(axes, keep).as(DType.FLOAT32), t.mean(axes, keep), rtol(DType.FLOAT32), 1e-6 * rtol(DType.FLOAT32));
                }
        }
    }

    @Test
    void sumMeanMaxMinOverEverySetOfAxes() {
        for (DType dt : ALL) {
            Nd x = (dt.isFloatingPoint() ? Nd.random(3, 2, 3, 4) : Nd.randomInts(3, -20, 20, 2, 3, 4)).as(dt);
            for (Tensor t : layouts(x, dt))
                for (int[] axes : axisSets())
                    for (boolean keep : new boolean[]{false, true}) {
                        String w = java.util.Arrays.toString(axes) + " keepDim=" + keep + " of " + TensorAsserts.describe(t);
                        assertClose("sum " + w, x.sum(axes, keep).as(dt), t.sum(axes, keep), rtol(dt), 1e-6 * rtol(dt));
                        assertExact("max " + w, x.max(axes, keep), t.max(axes, keep));
                        assertExact("min " + w, x.min(axes, keep), t.min(axes, keep));
                        if (dt.isFloatingPoint())
                            assertClose("mean " + w, x.mean(axes, keep).as(dt), t.mean(axes, keep), rtol(dt), 1e-6 * rtol(dt));
                    }
        }
    }

    @Test
    void convenienceOverloads() {
        Nd x = Nd.random(4, 3, 5);
        Tensor t = x.tensor(DType.FLOAT64);
        assertClose("sum()", x.sum(null, false), t.sum(), 1e-14, 0);
        assertEquals(Shape.scalar(), t.sum().shape());
        assertClose("sum(1)", x.sum(new int[]{1}, false), t.sum(1), 1e-14, 0);
        assertClose("sum(-2)", x.sum(new int[]{0}, false), t.sum(-2), 1e-14, 0);
        assertClose("mean()", x.mean(null, false), t.mean(), 1e-14, 0);
        assertClose("mean(0)", x.mean(new int[]{0}, false), t.mean(0), 1e-14, 0);
        assertExact("max()", x.max(null, false), t.max());
        assertExact("min()", x.min(null, false), t.min());
        assertClose("sum(empty axes) = all", x.sum(null, true), t.sum(new int[0], true), 1e-14, 0);
    }

    @Test
    void scalarsReduceToThemselves() {
        for (DType dt : ALL) {
            Tensor s = Tensor.scalar(-3, dt);
            assertEquals(-3, s.sum().item());
            assertEquals(-3, s.max().item());
            assertEquals(-3, s.min(new int[0], true).item());
            assertEquals(Shape.scalar(), s.sum(new int[0], true).shape());
            if (dt.isFloatingPoint()) assertEquals(-3, s.mean().item());
        }
    }

    @Test
    void emptyReductions() {
        for (DType dt : ALL) {
            assertEquals(0, Tensor.zeros(Shape.of(0), dt).sum().item(), "sum of nothing is 0");
            assertExact("sum over an empty axis " + dt, Nd.zeros(3), Tensor.zeros(Shape.of(0, 3), dt).sum(0));
            assertExact("sum over a non-empty axis of an empty tensor " + dt, Nd.zeros(0), Tensor.zeros(Shape.of(0, 3), dt).sum(1));
            assertExact("max over the non-empty axis " + dt, Nd.zeros(0, 1), Tensor.zeros(Shape.of(0, 3), dt).max(new int[]{1}, true));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(Shape.of(2, 0), dt).max());
            assertEquals("max: cannot reduce over empty dimension 1 of shape [2, 0] (no identity element)", e.getMessage());
            assertEquals("min: cannot reduce over empty dimension 0 of shape [0, 3] (no identity element)",
                    assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(Shape.of(0, 3), dt).min(new int[]{0}, false)).getMessage());
            assertEquals("argmax: cannot reduce over empty dimension 0 of shape [0] (no identity element)",
                    assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(Shape.of(0), dt).argmax(0, false)).getMessage());
        }
        assertTrue(Double.isNaN(Tensor.zeros(Shape.of(0), DType.FLOAT64).mean().item()), "mean of nothing is 0/0");
    }

    @Test
    void reductionErrors() {
        Tensor t = Tensor.zeros(2, 3);
        assertEquals("sum: axis 2 is out of range for shape [2, 3] (rank 2)",
                assertThrows(IllegalArgumentException.class, () -> t.sum(2)).getMessage());
        assertEquals("max: axis 1 is repeated in [1, -1]",
                assertThrows(IllegalArgumentException.class, () -> t.max(new int[]{1, -1}, false)).getMessage());
        assertEquals("mean: needs a floating-point tensor, got [2] int32",
                assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new int[]{1, 2}, 2).mean()).getMessage());
        assertEquals("argmin: axis -3 is out of range for shape [2, 3] (rank 2)",
                assertThrows(IllegalArgumentException.class, () -> t.argmin(-3, false)).getMessage());
    }

    @Test
    void maxMinPropagateNaN() {
        Tensor t = Tensor.fromArray(new double[]{1, Double.NaN, 3, 4, 5, 6}, 2, 3);
        double[] rowMax = t.max(new int[]{1}, false).toDoubleArray();
        assertTrue(Double.isNaN(rowMax[0]));
        assertEquals(6, rowMax[1]);
        assertTrue(Double.isNaN(t.min().item()));
    }

    @Test
    void argmaxArgminReturnTheFirstNaN() {
        Tensor t = Tensor.fromArray(new double[]{1, Double.NaN, 5, Double.NaN, 0, 9}, 2, 3);
        assertArrayEquals(new long[]{1, 0}, t.argmax(1, false).toLongArray());
        assertArrayEquals(new long[]{1, 0}, t.argmin(1, false).toLongArray());
        assertArrayEquals(new long[]{1, 0, 1}, t.argmax(0, false).toLongArray());
    }

    @Test
    void argmaxArgminTakeTheFirstOfTiesAlongAnyAxis() {
        // Values in {-1, 0, 1}: many ties.
        Nd x = Nd.randomInts(8, -1, 1, 3, 4, 5);
        for (DType dt : ALL)
            for (Tensor t : layouts(x, dt))
                for (int axis = -3; axis < 3; axis++)
                    for (boolean keep : new boolean[]{false, true}) {
                        String w = "axis " + axis + " keepDim=" + keep + " of " + TensorAsserts.describe(t);
                        Tensor am = t.argmax(axis, keep);
                        assertEquals(DType.INT64, am.dtype());
                        assertExact("argmax " + w, x.argExtreme(axis, true, keep), am);
                        assertExact("argmin " + w, x.argExtreme(axis, false, keep), t.argmin(axis, keep));
                    }
        Tensor ties = Tensor.fromArray(new double[]{2, 7, 7, 1, 1, 0}, 6);
        assertEquals(1, ties.argmax(0, false).item());
        assertEquals(5, ties.argmin(0, false).item());
        assertEquals(Shape.of(1), ties.argmin(0, true).shape());
        assertArrayEquals(new long[]{1, 0}, Tensor.fromArray(new long[]{3, 9, 9, 5, 1, 5}, 2, 3).argmax(1, false).toLongArray());
    }

    @Test
    void varianceBiasedAndUnbiased() {
        for (DType dt : FLOATS) {
            Nd x = Nd.random(12, 2, 3, 4).as(dt);
            for (Tensor t : layouts(x, dt))
                for (int[] axes : new int[][]{{}, {0}, {1, 2}, {-1}, {0, 2}})
                    for (boolean unbiased : new boolean[]{false, true})
                        for (boolean keep : new boolean[]{false, true})
                            assertClose("variance " + java.util.Arrays.toString(axes) + " unbiased=" + unbiased + " keepDim=" + keep,
                                    x.variance(axes, unbiased, keep).as(dt), t.variance(axes, unbiased, keep),
                                    dt == DType.FLOAT32 ? 2e-6 : 1e-13, 0);
        }
        // Hand computed: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5.
        Tensor h = Tensor.fromArray(new double[]{1, 2, 3, 4}, 4);
        assertEquals(1.25, h.variance(null, false, false).item(), 1e-15);
        assertEquals(5.0 / 3, h.variance(null, true, false).item(), 1e-15);
        assertEquals("variance: unbiased variance needs at least 2 elements per reduction, got 1 for [3, 1]",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3, 1).variance(new int[]{1}, true, false)).getMessage());
        assertEquals("variance: needs a floating-point tensor, got [2] int64",
                assertThrows(IllegalArgumentException.class, () -> Tensor.arange(2).variance(null, false, false)).getMessage());
    }

    @Test
    void norms() {
        for (DType dt : FLOATS) {
            Nd x = Nd.random(13, 3, 4).as(dt);
            double tol = dt == DType.FLOAT32 ? 2e-7 : 1e-14;
            for (Tensor t : layouts(x, dt)) {
                assertClose("L1", x.map(Math::abs).sum(new int[]{1}, false).as(dt), t.norm(1, new int[]{1}, false), tol, 0);
                assertClose("L2", x.map(v -> v * v).sum(new int[]{0}, true).map(Math::sqrt).as(dt), t.norm(2, new int[]{0}, true), tol, 0);
                assertClose("L2 default", x.map(v -> v * v).sum(null, false).map(Math::sqrt).as(dt), t.norm(null, false), tol, 0);
                assertClose("Linf", x.map(Math::abs).max(new int[]{-1}, false), t.norm(Double.POSITIVE_INFINITY, new int[]{-1}, false), 0, 0);
            }
        }
        assertEquals(5, Tensor.fromArray(new double[]{3, -4}, 2).norm(null, false).item(), 1e-15);
        assertEquals("norm: p must be 1, 2 or infinity, got 3.0",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2).norm(3, null, false)).getMessage());
        assertEquals("norm: needs a floating-point tensor, got [2] int64",
                assertThrows(IllegalArgumentException.class, () -> Tensor.arange(2).norm(null, false)).getMessage());
    }

    @Test
    void largeReductionsRunInParallelAndAgree() {
        Nd x = Nd.random(14, 64, 700);
        Tensor t = x.tensor(DType.FLOAT64);
        assertClose("rows", x.sum(new int[]{1}, false), t.sum(1), 1e-12, 1e-12);
        assertClose("columns", x.sum(new int[]{0}, false), t.sum(0), 1e-12, 1e-12);
        assertClose("columns of the transpose", x.sum(new int[]{0}, false), t.transpose(0, 1).sum(1), 1e-12, 1e-12);
        assertExact("argmax rows", x.argExtreme(1, true, false), t.argmax(1, false));
        assertExact("max columns", x.max(new int[]{0}, false), t.max(new int[]{0}, false));
        Tensor ints = Tensor.ones(Shape.of(3000, 100), DType.INT32);
        assertArrayEquals(new long[]{300_000}, new long[]{(long) ints.sum().item()});
    }
}
