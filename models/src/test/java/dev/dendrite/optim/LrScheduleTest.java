package dev.dendrite.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Schedules at specific steps, worked out from their formulas. */
class LrScheduleTest {
    private static final double EPS = 1e-15;

    @Test
    void stepLrDecaysEveryStepSizeSteps() {
        StepLR s = new StepLR(10, 0.5);
        assertEquals(0.8, s.learningRate(0, 0.8), EPS);     // 0.8·0.5^0
        assertEquals(0.8, s.learningRate(9, 0.8), EPS);     // ⌊9/10⌋ = 0
        assertEquals(0.4, s.learningRate(10, 0.8), EPS);    // ⌊10/10⌋ = 1
        assertEquals(0.2, s.learningRate(25, 0.8), EPS);    // ⌊25/10⌋ = 2 → 0.8·0.25
        assertEquals(0.1, s.learningRate(39, 0.8), EPS);    // ⌊39/10⌋ = 3 → 0.8·0.125
    }

    @Test
    void exponentialLrDecaysEveryStep() {
        ExponentialLR s = new ExponentialLR(0.9);
        assertEquals(2.0, s.learningRate(0, 2), EPS);
        assertEquals(1.8, s.learningRate(1, 2), EPS);
        assertEquals(2 * 0.729, s.learningRate(3, 2), EPS);   // 2·0.9³
    }

    @Test
    void cosineAnnealingFollowsHalfACosineThenHolds() {
        CosineAnnealingLR s = new CosineAnnealingLR(100, 0.01);
        assertEquals(1.0, s.learningRate(0, 1), EPS);                       // cos 0 = 1 → base
        assertEquals(0.505, s.learningRate(50, 1), EPS);                    // cos(π/2) = 0 → (1 + 0.01)/2
        assertEquals(0.855017856687341, s.learningRate(25, 1), 1e-14);     // 0.01 + 0.99·(1 + cos(π/4))/2 = 0.01 + 0.99·0.8535534
        assertEquals(0.01, s.learningRate(100, 1), EPS);                    // cos π = −1 → etaMin
        assertEquals(0.01, s.learningRate(150, 1), EPS);                    // held at etaMin afterwards
        assertTrue(s.learningRate(99, 1) > 0.01 && s.learningRate(99, 1) < 0.0103);   // 0.01 + 0.99·(1 − cos(π/100))/2 ≈ 0.010244
    }

    @Test
    void warmUpRampsLinearlyThenDelegatesWithShiftedStep() {
        WarmUp s = new WarmUp(4, new CosineAnnealingLR(10, 0));
        assertEquals(0.25, s.learningRate(0, 1), EPS);   // 1·1/4
        assertEquals(0.5, s.learningRate(1, 1), EPS);    // 1·2/4
        assertEquals(0.75, s.learningRate(2, 1), EPS);
        assertEquals(1.0, s.learningRate(3, 1), EPS);    // ramp ends at base
        assertEquals(1.0, s.learningRate(4, 1), EPS);    // cosine step 0
        assertEquals(0.5, s.learningRate(9, 1), EPS);    // cosine step 5 of 10: (1 + cos(π/2))/2
        assertEquals(0.0, s.learningRate(14, 1), EPS);   // cosine step 10: etaMin
        assertEquals(0.3, new WarmUp(0, LrSchedule.constant()).learningRate(0, 0.3), EPS);
        assertEquals(0.3, new WarmUp(2, new StepLR(1, 0.5)).learningRate(3, 0.6), EPS);    // StepLR sees step 3 − 2 = 1: 0.6·0.5¹
    }

    @Test
    void invalidArgumentsAreNamed() {
        assertEquals("StepLR: stepSize must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new StepLR(0, 0.5)).getMessage());
        assertEquals("CosineAnnealingLR: tMax must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(0, 0)).getMessage());
        assertEquals("ExponentialLR: gamma must be finite and >= 0, got -0.5",
                assertThrows(IllegalArgumentException.class, () -> new ExponentialLR(-0.5)).getMessage());
        assertEquals("WarmUp: warmupSteps must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> new WarmUp(-1, LrSchedule.constant())).getMessage());
        assertEquals("StepLR: step must be >= 0, got -3",
                assertThrows(IllegalArgumentException.class, () -> new StepLR(2, 0.5).learningRate(-3, 1)).getMessage());
        assertThrows(NullPointerException.class, () -> new WarmUp(3, null));
    }
}
