package dev.dendrite.nn;

import dev.dendrite.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PenaltiesTest {
    @Test
    void l1AndL2MatchHandValuesAndGradients() {
        Tensor a = Tensor.fromArray(new double[]{1, -2}, 2).requiresGrad(true);
        Tensor b = Tensor.fromArray(new double[]{0.5}, 1).requiresGrad(true);
        // l1 = 0.1·(1 + 2 + 0.5) = 0.35; l2 = 0.1·(1 + 4 + 0.25) = 0.525.
        Tensor l1 = Penalties.l1(List.of(a, b), 0.1);
        assertEquals(0.35, l1.item(), 1e-15);
        assertEquals(0.525, Penalties.l2(List.of(a, b), 0.1).item(), 1e-15);
        l1.backward();
        assertArrayEquals(new double[]{0.1, -0.1}, a.grad().toDoubleArray(), 1e-15, "λ·sign(θ)");
        a.zeroGrad();
        Penalties.l2(List.of(a), 0.1).backward();
        assertArrayEquals(new double[]{0.2, -0.4}, a.grad().toDoubleArray(), 1e-15, "2λ·θ");
        assertThrows(IllegalArgumentException.class, () -> Penalties.l1(List.of(), 1));
    }
}
