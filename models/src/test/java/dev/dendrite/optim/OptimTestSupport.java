package dev.dendrite.optim;

import dev.dendrite.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Small helpers shared by the optimizer tests: FLOAT64 parameters and fixed gradients. */
final class OptimTestSupport {
    /** Absolute tolerance for hand-computed FLOAT64 values (they differ from ours only by rounding order). */
    static final double TOL = 1e-12;

    private OptimTestSupport() {
    }

    /** A FLOAT64 leaf parameter that requires grad. */
    static Tensor param(double... values) {
        return Tensor.fromArray(values.clone(), values.length).requiresGrad(true);
    }

    /** Sets {@code p}'s gradient to the given values. */
    static void setGrad(Tensor p, double... g) {
        p.setGrad(Tensor.fromArray(g.clone(), g.length));
    }

    /** Sets the gradient and takes one step. */
    static void step(Optimizer opt, Tensor p, double... g) {
        setGrad(p, g);
        opt.step();
    }

    static void assertValues(String what, double[] expected, Tensor actual) {
        double[] a = actual.toDoubleArray();
        assertEquals(expected.length, a.length, what + ": length");
        for (int i = 0; i < expected.length; i++)
            assertEquals(expected[i], a[i], TOL, what + " [" + i + "]: expected " + expected[i] + ", got " + a[i]);
    }
}
