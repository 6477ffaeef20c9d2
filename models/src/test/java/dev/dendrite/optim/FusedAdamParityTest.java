package dev.dendrite.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.spi.FusedAdam;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Note [Fused Adam]: the backend's one-pass update against the composite of elementwise ops it
 * replaces, bit for bit, over several steps (bias correction changes every step), in both float
 * types, for Adam with and without L2, AdamW, and β1 = 0 (where {@code 1 − β1 == 1} drops a multiply).
 * Sizes cover vector tails and more than one parallel chunk.
 */
class FusedAdamParityTest {
    @AfterEach
    void restore() {
        Adam.fusedEnabled = true;
    }

    /** Runs 4 steps of the optimizer {@code make} builds, with the fused path on or off; returns θ, m and v. */
    private static double[][] run(Function<List<Tensor>, Optimizer> make, DType dtype, int n, boolean fused) {
        Adam.fusedEnabled = fused;
        Random rnd = new Random(n);
        double[] init = new double[n];
        for (int i = 0; i < n; i++) init[i] = rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 2);
        Tensor p = Tensor.fromArray(init, n).to(dtype).requiresGrad(true);
        try (Optimizer opt = make.apply(List.of(p))) {
            for (int step = 0; step < 4; step++) {
                double[] g = new double[n];
                for (int i = 0; i < n; i++) g[i] = i % 17 == 0 ? 0 : rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 4);
                p.setGrad(Tensor.fromArray(g, n).to(dtype));
                opt.step();
            }
            return new double[][]{p.toDoubleArray(), opt.stateDict().get("0." + Adam.EXP_AVG).toDoubleArray(),
                    opt.stateDict().get("0." + Adam.EXP_AVG_SQ).toDoubleArray()};
        } finally {
            p.close();
        }
    }

    private static void assertSameBits(String what, Function<List<Tensor>, Optimizer> make) {
        for (DType dtype : new DType[]{DType.FLOAT32, DType.FLOAT64})
            for (int n : new int[]{1, 7, 37, 1000, 40000}) {
                double[][] composite = run(make, dtype, n, false), fused = run(make, dtype, n, true);
                String[] names = {"θ", "m", "v"};
                for (int k = 0; k < 3; k++)
                    for (int i = 0; i < n; i++)
                        assertEquals(Double.doubleToRawLongBits(composite[k][i]), Double.doubleToRawLongBits(fused[k][i]),
                                what + " " + dtype + " n=" + n + ": " + names[k] + "[" + i + "] fused " + fused[k][i]
                                        + " vs composite " + composite[k][i]);
            }
    }

    @Test
    void theCpuBackendOffersTheFusedUpdate() {
        try (Tensor t = Tensor.zeros(Shape.of(1), DType.FLOAT32)) {
            assertTrue(t.backend() instanceof FusedAdam, "the default backend " + t.backend().name() + " has no FusedAdam");
        }
    }

    @Test
    void adamMatchesTheComposite() {
        assertSameBits("Adam", ps -> new Adam(ps, 1e-3));
    }

    @Test
    void adamWithL2MatchesTheComposite() {
        assertSameBits("Adam wd=0.01", ps -> Adam.builder(ps).lr(3e-3).weightDecay(0.01).betas(0.8, 0.99).eps(1e-6).build());
    }

    @Test
    void adamWMatchesTheComposite() {
        assertSameBits("AdamW", ps -> AdamW.builder(ps).lr(2e-3).weightDecay(0.05).build());
    }

    @Test
    void zeroBeta1MatchesTheComposite() {
        assertSameBits("Adam beta1=0", ps -> Adam.builder(ps).lr(1e-2).betas(0, 0.5).build());
    }
}
