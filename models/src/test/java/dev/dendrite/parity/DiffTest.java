package dev.dendrite.parity;

import dev.dendrite.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparison rule of every parity leg, the worst-element report, and the input generators. */
class DiffTest {
    private static final Tolerance TOL = new Tolerance(1e-3, 1e-2, "test");

    @Test
    void acceptsWithinAtolPlusRtolTimesTheReference() {
        assertTrue(TOL.accepts(100, 100 + 1e-3 + 1.0 - 1e-9));  // 1e-3 + 1e-2·100 = 1.001
        assertFalse(TOL.accepts(100, 101.01));
        assertTrue(TOL.accepts(0, 1e-3));
        assertFalse(TOL.accepts(0, 1.1e-3));
        assertEquals(0.5, TOL.ratio(0, 5e-4), 1e-12);
    }

    @Test
    void nanMatchesOnlyNanAndInfinitiesOnlyThemselves() {
        assertTrue(TOL.accepts(Double.NaN, Double.NaN));
        assertFalse(TOL.accepts(Double.NaN, 0));
        assertFalse(TOL.accepts(1, Double.NaN));
        assertTrue(TOL.accepts(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY));
        assertFalse(TOL.accepts(Double.POSITIVE_INFINITY, 1e308));
        assertFalse(TOL.accepts(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
        assertEquals(Double.POSITIVE_INFINITY, TOL.ratio(Double.NaN, 0));
    }

    @Test
    void exactToleranceRejectsAnyDifference() {
        Tolerance exact = Tolerance.exact("bits");
        assertTrue(exact.accepts(0.1, 0.1));
        assertFalse(exact.accepts(0.1, Math.nextUp(0.1)));
        assertEquals(Double.POSITIVE_INFINITY, exact.ratio(0.1, Math.nextUp(0.1)));
    }

    @Test
    void diffNamesTheDecidingElementByRatioNotByAbsoluteError() {
        // Element 1 differs by 0.5 against a reference of 100 (allowed 1.001, ratio 0.5); element 4 by 0.003 against 0
        // (allowed 0.001, ratio 3): the second decides, though its absolute error is smaller.
        double[] ref = {1, 100, 2, 3, 0, 5};
        double[] got = {1, 100.5, 2, 3, 0.003, 5};
        Diff d = Diff.of("output", Shape.of(2, 3), ref, Shape.of(2, 3), got, TOL);
        assertFalse(d.passes());
        assertEquals(4, d.worstIndex());
        assertArrayEquals(new int[]{1, 1}, d.position());
        assertEquals(0.5, d.maxAbs(), 1e-12);
        assertEquals(0.005, d.maxRel(), 1e-12);
        assertEquals(3, d.worstRatio(), 1e-9);
        assertEquals("output: |cpu−gpu| = 3.000e-03 at [1,1] (cpu=0.00000000, gpu=0.00300000000)", d.describe("cpu", "gpu"));
    }

    @Test
    void identicalResultsPassWithRatioZero() {
        Diff d = Diff.of("output", Shape.of(3), new double[]{1, 2, 3}, Shape.of(3), new double[]{1, 2, 3}, Tolerance.exact("x"));
        assertTrue(d.passes());
        assertEquals(0, d.worstRatio());
        assertEquals(-1, d.worstIndex());
        assertEquals("output identical", d.describe("a", "b"));
    }

    @Test
    void aShapeMismatchFailsWhateverTheTolerance() {
        Diff d = Diff.of("grad w", Shape.of(2, 3), new double[6], Shape.of(3, 2), new double[6], new Tolerance(1e9, 1e9, "huge"));
        assertFalse(d.passes());
        assertNotNull(d.problem());
        assertEquals("grad w has shape [3, 2], the reference [2, 3]", d.describe("a", "b"));
    }

    @Test
    void combineKeepsTheWorseLocationAndTheLargestMeasures() {
        Diff a = Diff.of("output", Shape.of(2), new double[]{1, 1}, Shape.of(2), new double[]{1, 1.0005}, TOL);  // ratio 0.5/1.01
        Diff b = Diff.of("grad x", Shape.of(2), new double[]{0, 10}, Shape.of(2), new double[]{0.0009, 10}, TOL); // ratio 0.9
        Diff c = a.combine(b);
        assertEquals("grad x", c.where());
        assertEquals(0.9, c.worstRatio(), 1e-9);
        assertEquals(0.0009, c.maxAbs(), 1e-12);
        assertEquals(0.0005, c.maxRel(), 1e-12);
        assertTrue(c.passes());
    }

    @Test
    void accumulationToleranceGrowsWithTheSquareRootOfTheTermCount() {
        Tolerance.Pair one = Tolerance.accumulation(1), many = Tolerance.accumulation(10_000);
        assertEquals(1.2e-5, one.fp32().rtol(), 1e-12);
        assertEquals(1e-5 + 2e-6 * 100, many.fp32().rtol(), 1e-12);
        assertTrue(many.fp64().rtol() < 1e-11);
        assertEquals(0, one.forDType(dev.dendrite.DType.INT64).atol());
    }

    @Test
    void generatorsAreFloatRepresentableDeterministicAndKeepTheirPromises() {
        for (Gen g : List.of(Gen.normal(3), Gen.uniform(-2, 5), Gen.awayFromZero(0.05, 2), Gen.distinct(2), Gen.ints(-3, 3),
                Gen.uniformAvoiding(-1.5, 1.5, 0.02, -0.5, 0.8))) {
            double[] a = g.values(500, new SplittableRandom(7)), b = g.values(500, new SplittableRandom(7));
            assertArrayEquals(a, b);
            for (double v : a) assertEquals(v, (float) v, 0.0);
        }
        for (double v : Gen.awayFromZero(0.05, 2).values(1000, new SplittableRandom(1))) assertTrue(Math.abs(v) >= 0.05 - 1e-7, "" + v);
        for (double v : Gen.uniformAvoiding(-1.5, 1.5, 0.02, -0.5, 0.8).values(1000, new SplittableRandom(1)))
            assertTrue(Math.abs(v + 0.5) >= 0.0199 && Math.abs(v - 0.8) >= 0.0199, "" + v);
        double[] d = Gen.distinct(2).values(100, new SplittableRandom(3)).clone();
        java.util.Arrays.sort(d);
        for (int i = 1; i < d.length; i++) assertTrue(d[i] - d[i - 1] >= 0.039, "neighbours " + d[i - 1] + ", " + d[i]);
    }
}
