package dev.dendrite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Compares the gradients autograd computes with central differences, in FLOAT64. The output y of
 * {@code f} is contracted with fixed random weights w, so the checked scalar is {@code L = Σ y·w}
 * and non-scalar outputs get a non-trivial upstream gradient.
 */
final class NumericGrad {
    private NumericGrad() {
    }

    static final double STEP = 1e-6;
    static final double TOLERANCE = 1e-6;

    /** Checks ∂L/∂x for every input of {@code f}, each given as values. */
    static void check(String what, Function<List<Tensor>, Tensor> f, Nd... inputs) {
        List<Tensor> leaves = new ArrayList<>();
        for (Nd in : inputs) leaves.add(in.tensor(DType.FLOAT64).requiresGrad(true));
        Tensor y;
        Nd w;
        try (MemoryScope scope = MemoryScope.open()) {
            y = f.apply(leaves);
            assertEquals(DType.FLOAT64, y.dtype(), what + ": output dtype");
            w = Nd.random(Arrays.hashCode(y.shape().toArray()) + 7, y.shape().toArray()).map(v -> v + 0.25);
            Tensor loss = y.mul(w.tensor(DType.FLOAT64)).sum();
            loss.backward();
        }
        for (int i = 0; i < inputs.length; i++) {
            double[] numeric = numeric(f, inputs, i, w);
            Tensor g = leaves.get(i).grad();
            double[] analytic = g == null ? new double[numeric.length] : g.toDoubleArray();
            if (g != null) {
                assertArrayEquals(inputs[i].shape, g.shape().toArray(), what + ": gradient shape of input " + i);
                assertEquals(DType.FLOAT64, g.dtype());
            }
            assertGradient(what + ", input " + i + " " + Arrays.toString(inputs[i].shape), analytic, numeric);
        }
    }

    /** Central differences of L = Σ f(inputs)·w in input {@code which}, evaluated without autograd. */
    private static double[] numeric(Function<List<Tensor>, Tensor> f, Nd[] inputs, int which, Nd w) {
        double[] x = inputs[which].v.clone();
        double[] g = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            double keep = x[j];
            x[j] = keep + STEP;
            double up = evaluate(f, inputs, which, x, w);
            x[j] = keep - STEP;
            double down = evaluate(f, inputs, which, x, w);
            x[j] = keep;
            g[j] = (up - down) / (2 * STEP);
        }
        return g;
    }

    private static double evaluate(Function<List<Tensor>, Tensor> f, Nd[] inputs, int which, double[] x, Nd w) {
        try (MemoryScope scope = MemoryScope.open(); Autograd.NoGrad ng = Autograd.noGrad()) {
            List<Tensor> ts = new ArrayList<>();
            for (int i = 0; i < inputs.length; i++)
                ts.add(i == which ? new Nd(inputs[i].shape, x).tensor(DType.FLOAT64) : inputs[i].tensor(DType.FLOAT64));
            double[] y = f.apply(ts).toDoubleArray();
            double s = 0;
            for (int k = 0; k < y.length; k++) s += y[k] * w.v[k];
            return s;
        }
    }

    /** Fails unless max |analytic − numeric| ≤ TOLERANCE · max(max |numeric|, 1e-3). */
    static void assertGradient(String what, double[] analytic, double[] numeric) {
        double scale = 1e-3, worst = 0;
        int at = -1;
        for (double v : numeric) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < numeric.length; i++) {
            double err = Math.abs(analytic[i] - numeric[i]);
            if (!(err <= worst)) {
                worst = err;
                at = i;
            }
        }
        if (!(worst <= TOLERANCE * scale))
            fail(what + ": gradient mismatch, max |analytic-numeric| = " + worst + " at flat index " + at + " (analytic="
                    + analytic[at] + ", numeric=" + numeric[at] + "), relative to scale " + scale + "\n analytic "
                    + Arrays.toString(analytic) + "\n numeric  " + Arrays.toString(numeric));
    }
}
