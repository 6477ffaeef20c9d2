package dev.dendrite;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradCheckTest {
    private static Tensor randn(long seed, int... dims) {
        return Tensor.randn(Shape.of(dims), seed, DType.FLOAT64).requiresGrad(true);
    }

    /** {@code y = x²} computed without autograd, then recorded with a deliberately chosen backward rule. */
    private static Tensor squareWithRule(Tensor x, GradNode.Rule rule) {
        Tensor y;
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            y = x.square();
        }
        return Autograd.record("testSquare", y, rule, x);
    }

    @Test
    void correctGradientsOfANonScalarFunctionPass() {
        Tensor w = randn(1, 3, 4), x = randn(2, 2, 4);
        GradCheck.Result r = GradCheck.check(in -> in.get(1).matmul(in.get(0).transpose(0, 1)).tanh(), List.of(w, x));
        assertTrue(r.maxError() < 1e-8, r::toString);
        assertEquals(12 + 8, r.checkedElements());
    }

    @Test
    void aRuleMissingTheFactorTwoFails() {
        Tensor x = randn(3, 5);
        GradCheck.Result r = GradCheck.check(in -> squareWithRule(in.get(0), g -> new Tensor[]{g.mul(in.get(0))}), List.of(x));
        // analytic = n/2 everywhere, so the worst error is |n/2 − n| / max|n| = 0.5 at the largest |n|.
        assertEquals(0.5, r.maxError(), 1e-6);
        assertEquals(0.5 * r.numeric(), r.analytic(), 1e-9);
        AssertionError e = assertThrows(AssertionError.class, () -> GradCheck.assertClose(r, 1e-6));
        assertTrue(e.getMessage().contains("input 0 [5]"), e.getMessage());
        assertTrue(e.getMessage().contains("tolerance 1.0E-6"), e.getMessage());
    }

    @Test
    void aWrongGradientForOneOutputElementIsFoundThroughTheProjection() {
        // The rule is right except for element 2, whose gradient it drops: the check must point there.
        Tensor x = randn(4, 4);
        Tensor mask = Tensor.fromArray(new double[]{1, 1, 0, 1}, 4);
        GradCheck.Result r = GradCheck.check(in -> squareWithRule(in.get(0), g -> new Tensor[]{g.mul(in.get(0)).mul(2).mul(mask)}),
                List.of(x));
        assertEquals(2, r.element());
        assertEquals(0, r.analytic());
        assertFalse(r.passes(1e-3));
    }

    @Test
    void structuralZerosPass() {
        Tensor x = Tensor.fromArray(new double[]{-1.5, -0.25, 0.5, 2}, 4).requiresGrad(true);
        GradCheck.Result r = GradCheck.check(in -> in.get(0).relu(), List.of(x));
        assertTrue(r.passes(1e-9), r::toString);
    }

    @Test
    void aGradientCancelledBySoftmaxShiftInvarianceStaysAboveTheNoiseFloor() {
        // softmax(x + b) does not depend on a scalar shift b: its gradient is 0 analytically and
        // rounding noise numerically; the floor keeps that noise far below the tolerance.
        Tensor x = randn(10, 3, 5), b = randn(11, 1);
        GradCheck.Result r = GradCheck.check(in -> in.get(0).mul(4).add(in.get(1)).softmax(-1).mul(10), List.of(x, b));
        assertTrue(r.passes(1e-7), r::toString);
        assertTrue(r.scale() >= GradCheck.SCALE_FLOOR, r::toString);
    }

    @Test
    void nanGradientNeverPasses() {
        Tensor x = randn(5, 3);
        GradCheck.Result r = GradCheck.check(in -> squareWithRule(in.get(0), g -> new Tensor[]{g.mul(Double.NaN)}), List.of(x));
        assertTrue(Double.isNaN(r.maxError()));
        assertFalse(r.passes(1e30));
    }

    @Test
    void inputsAreLeftUntouched() {
        Tensor x = randn(6, 2, 3);
        double[] before = x.toDoubleArray();
        GradCheck.check(in -> in.get(0).exp(), List.of(x));
        assertArrayEquals(before, x.toDoubleArray());
        assertNull(x.grad());
    }

    @Test
    void integerInputsPassThrough() {
        Tensor w = randn(7, 4, 3);
        Tensor idx = Tensor.fromArray(new long[]{2, 0, 2}, 3);
        GradCheck.Result r = GradCheck.check(in -> NN.embedding(in.get(0), in.get(1)), List.of(w, idx));
        assertTrue(r.passes(1e-6), r::toString);
        assertEquals(12, r.checkedElements());
    }

    @Test
    void inPlaceCheckRestoresValuesAndDropsGradients() {
        Tensor w = randn(8, 3, 2), b = randn(9, 2);
        double[] before = w.toDoubleArray();
        GradCheck.Result r = GradCheck.checkInPlace(() -> w.sigmoid().add(b).square(), List.of(w, b), GradCheck.DEFAULT_EPS);
        assertTrue(r.passes(1e-6), r::toString);
        assertEquals(8, r.checkedElements());
        assertArrayEquals(before, w.toDoubleArray());
        assertNull(w.grad());
        assertNull(b.grad());
    }

    @Test
    void float32IsRejected() {
        Tensor x = Tensor.randn(Shape.of(3), 1, DType.FLOAT32).requiresGrad(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GradCheck.check(in -> in.get(0), List.of(x)));
        assertTrue(e.getMessage().contains("input 0 is [3] float32"), e.getMessage());
        Tensor y = randn(1, 3);
        e = assertThrows(IllegalArgumentException.class, () -> GradCheck.check(in -> in.get(0).to(DType.FLOAT32), List.of(y)));
        assertTrue(e.getMessage().contains("returned [3] float32"), e.getMessage());
    }

    @Test
    void nothingToCheckIsAnError() {
        Tensor x = Tensor.randn(Shape.of(2), 1, DType.FLOAT64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GradCheck.check(in -> in.get(0), List.of(x)));
        assertTrue(e.getMessage().contains("no input requires a gradient"), e.getMessage());
    }

    @Test
    void positionIsTheRowMajorMultiIndex() {
        GradCheck.Result r = new GradCheck.Result(1, 0, 5, Shape.of(2, 3), 0, 0, 1, 6);
        assertArrayEquals(new int[]{1, 2}, r.position());
        r = new GradCheck.Result(1, 0, 7, Shape.of(2, 2, 2), 0, 0, 1, 8);
        assertArrayEquals(new int[]{1, 1, 1}, r.position());
    }
}
