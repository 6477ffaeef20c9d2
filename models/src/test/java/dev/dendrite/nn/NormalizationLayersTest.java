package dev.dendrite.nn;

import dev.dendrite.Autograd;
import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import org.junit.jupiter.api.Test;

import static dev.dendrite.nn.LayerChecks.check;
import static dev.dendrite.nn.LayerChecks.checkModule;
import static dev.dendrite.nn.LayerChecks.randn;
import static dev.dendrite.nn.LayerChecks.randomize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batch norm, layer norm and dropout: gradient checks in FLOAT64 and hand-computed values. */
class NormalizationLayersTest {
    @Test
    void batchNorm1dTraining() {
        BatchNorm bn = new BatchNorm(3);
        bn.to(DType.FLOAT64);
        checkModule(randomize(bn, 1, 1), randn(2, 4, 3));
    }

    @Test
    void batchNorm2dTraining() {
        BatchNorm bn = new BatchNorm(2);
        bn.to(DType.FLOAT64);
        checkModule(randomize(bn, 3, 1), randn(4, 2, 2, 3, 2));
    }

    @Test
    void batchNormEvalUsesRunningStatistics() {
        for (int[] dims : new int[][]{{5, 3}, {2, 3, 2, 2}}) {
            BatchNorm bn = new BatchNorm(3);
            bn.to(DType.FLOAT64);
            randomize(bn, 5, 1);
            try (Autograd.NoGrad ng = Autograd.noGrad()) {
                bn.forward(Tensor.randn(Shape.of(dims), 6, 0, 2, 3, DType.FLOAT64, null));   // moves the running statistics off 0 and 1
            }
            bn.eval();
            checkModule(bn, randn(7, dims));
        }
    }

    @Test
    void batchNormRunningStatisticsAreNonTrainable() {
        BatchNorm bn = new BatchNorm(4);
        assertEquals(8, bn.parameterCount());
        assertEquals(8, bn.bufferCount());
    }

    @Test
    void layerNormOfOneTwoThree() {
        // μ = 2, σ² = 2/3, y = (x − 2)/√(2/3 + 1e-5).
        LayerNorm ln = new LayerNorm(3);
        ln.to(DType.FLOAT64);
        double[] y = ln.forward(Tensor.fromArray(new double[]{1, 2, 3}, 1, 3)).toDoubleArray();
        assertArrayEquals(new double[]{-1.2247356859083902, 0, 1.2247356859083902}, y, 1e-12);
        // With γ = [2, 2, 2] and β = [1, 1, 1]: 2y + 1.
        ln.loadStateDict(java.util.Map.of("weight", Tensor.full(Shape.of(3), 2, DType.FLOAT64), "bias", Tensor.ones(Shape.of(3), DType.FLOAT64)));
        y = ln.forward(Tensor.fromArray(new double[]{1, 2, 3}, 3)).toDoubleArray();
        assertArrayEquals(new double[]{-1.4494713718167804, 1, 3.4494713718167804}, y, 1e-12);
    }

    @Test
    void layerNormIsPerSample() {
        // Each row is normalised on its own; a constant row maps to β.
        LayerNorm ln = new LayerNorm(Shape.of(2), 1e-5, false, DType.FLOAT64);
        double[] y = ln.forward(Tensor.fromArray(new double[]{0, 4, 7, 7}, 2, 2)).toDoubleArray();
        double s = 2 / Math.sqrt(4 + 1e-5);
        assertArrayEquals(new double[]{-s, s, 0, 0}, y, 1e-12);
        assertEquals(0, ln.parameterCount());
    }

    @Test
    void layerNormGradients() {
        LayerNorm ln = new LayerNorm(4);
        ln.to(DType.FLOAT64);
        checkModule(randomize(ln, 8, 1), randn(9, 2, 3, 4));
        LayerNorm ln2 = new LayerNorm(2, 3);
        ln2.to(DType.FLOAT64);
        checkModule(randomize(ln2, 10, 1), randn(11, 2, 2, 3));
        checkModule(new LayerNorm(Shape.of(3), 1e-5, false, DType.FLOAT64), randn(12, 2, 3));
    }

    @Test
    void layerNormRejectsAMismatchedInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LayerNorm(4).forward(Tensor.zeros(2, 3)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
    }

    @Test
    void dropoutWithAFixedMask() {
        Tensor x = randn(20, 4, 6);
        // Reseeding before building the layer gives the same layer seed, hence the same mask, on every evaluation.
        check(in -> {
            Init.seed(77);
            return new Dropout(0.4).forward(in.get(0));
        }, x);
        Init.seed(77);
        double[] y = new Dropout(0.4).forward(x).toDoubleArray(), xs = x.toDoubleArray();
        int zeros = 0;
        for (int i = 0; i < y.length; i++) {
            if (y[i] == 0) zeros++;
            else assertEquals(xs[i] / 0.6, y[i], 1e-12);
        }
        assertTrue(zeros > 0 && zeros < y.length, "some but not all of 24 elements dropped, got " + zeros);
    }

    @Test
    void dropoutIsTheIdentityInEval() {
        Dropout d = new Dropout(0.5);
        d.eval();
        Tensor x = randn(21, 3);
        assertSame(x, d.forward(x));
    }
}
