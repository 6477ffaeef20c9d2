package dev.dendrite.optim;

import dev.dendrite.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.dendrite.optim.OptimTestSupport.assertValues;
import static dev.dendrite.optim.OptimTestSupport.param;
import static dev.dendrite.optim.OptimTestSupport.setGrad;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GradClipTest {
    @Test
    void clipGradNormScalesAllGradientsTogether() {
        Tensor a = param(0, 0), b = param(0), unused = param(5);
        setGrad(a, 3, 4);
        setGrad(b, 12);
        // global norm = √(9 + 16 + 144) = 13; c = 6.5/(13 + 1e-6) = 0.49999996…
        double norm = GradClip.clipGradNorm(List.of(a, b, unused), 6.5);
        assertEquals(13, norm, 1e-12);
        double c = 6.5 / (13 + 1e-6);
        assertValues("a.grad", new double[]{3 * c, 4 * c}, a.grad());   // ≈ [1.5, 2]
        assertValues("b.grad", new double[]{12 * c}, b.grad());         // ≈ 6
        assertNull(unused.grad());
        // the clipped gradients have norm 13·c ≈ 6.5 (just under)
        assertEquals(6.5, GradClip.clipGradNorm(List.of(a, b), 100), 1e-6);
    }

    @Test
    void clipGradNormLeavesSmallGradientsAlone() {
        Tensor a = param(0, 0);
        setGrad(a, 3, 4);
        assertEquals(5, GradClip.clipGradNorm(List.of(a), 5.5), 1e-12);
        assertValues("a.grad", new double[]{3, 4}, a.grad());
        assertEquals(0, GradClip.clipGradNorm(List.of(param(1)), 1.0), "no gradients: norm 0");
    }

    @Test
    void clipGradNormReturnsNonFiniteNormWithoutTouchingGradients() {
        Tensor a = param(0, 0);
        setGrad(a, Double.POSITIVE_INFINITY, 1);
        assertEquals(Double.POSITIVE_INFINITY, GradClip.clipGradNorm(List.of(a), 1.0));
        assertValues("a.grad", new double[]{Double.POSITIVE_INFINITY, 1}, a.grad());
    }

    @Test
    void clipGradValueClampsEachElement() {
        Tensor a = param(0, 0, 0), b = param(0);
        setGrad(a, 3, -0.2, -4);
        setGrad(b, 0.5);
        GradClip.clipGradValue(List.of(a, b), 0.5);
        assertValues("a.grad", new double[]{0.5, -0.2, -0.5}, a.grad());
        assertValues("b.grad", new double[]{0.5}, b.grad());
    }

    @Test
    void invalidThresholdsAreNamed() {
        List<Tensor> ps = List.of(param(1));
        assertEquals("clipGradNorm: maxNorm must be finite and > 0, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(ps, 0)).getMessage());
        assertEquals("clipGradNorm: maxNorm must be finite and > 0, got NaN",
                assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(ps, Double.NaN)).getMessage());
        assertEquals("clipGradValue: clipValue must be finite and >= 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradValue(ps, -1)).getMessage());
    }
}
