package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.GradCheck;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.dendrite.nn.LayerChecks.checkInPlace;
import static dev.dendrite.nn.LayerChecks.checkModule;
import static dev.dendrite.nn.LayerChecks.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Activation, softmax and embedding layers: gradient checks in FLOAT64 and hand-computed values. */
class ActivationAndEmbeddingTest {
    @Test
    void everyActivationKind() {
        List<Activation> all = List.of(Activation.relu(), Activation.leakyRelu(0.1), Activation.sigmoid(), Activation.tanh(),
                Activation.elu(0.7), Activation.gelu(), Activation.softplus());
        assertEquals(Activation.Kind.values().length, all.size());
        long seed = 1;
        for (Activation a : all) checkModule(a, randn(seed++, 3, 4));
    }

    @Test
    void softmaxLayers() {
        checkModule(new Softmax(), randn(10, 2, 5));
        checkModule(new Softmax(0), randn(11, 3, 2));
        checkModule(new LogSoftmax(), randn(12, 2, 5));
        checkModule(new LogSoftmax(1), randn(13, 2, 3, 2));
        // softmax([0, ln 3]) = [1/4, 3/4]; log of it = [−ln 4, ln 3 − ln 4].
        Tensor x = Tensor.fromArray(new double[]{0, Math.log(3)}, 2);
        assertArrayEquals(new double[]{0.25, 0.75}, new Softmax().forward(x).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[]{-Math.log(4), Math.log(0.75)}, new LogSoftmax().forward(x).toDoubleArray(), 1e-15);
    }

    @Test
    void embeddingLooksUpRows() {
        Embedding e = new Embedding(3, 2, DType.FLOAT64);
        Tensor w = Tensor.fromArray(new double[]{1, 2, 3, 4, 5, 6}, 3, 2);
        e.loadStateDict(java.util.Map.of("weight", w));
        Tensor y = e.forward(Tensor.fromArray(new long[]{2, 0, 2, 1}, 2, 2));
        assertEquals(Shape.of(2, 2, 2), y.shape());
        assertArrayEquals(new double[]{5, 6, 1, 2, 5, 6, 3, 4}, y.toDoubleArray());
    }

    @Test
    void embeddingGradientAccumulatesRepeatedIndices() {
        Embedding e = new Embedding(5, 3);
        e.to(DType.FLOAT64);
        Tensor idx = Tensor.fromArray(new long[]{1, 3, 1, 0, 3, 3}, 2, 3);      // 1 twice, 3 three times, 2 and 4 never
        GradCheck.Result r = checkInPlace(() -> e.forward(idx), e);
        assertEquals(15, r.checkedElements());
        // d(Σ y)/dW: row i receives one per occurrence of i, in each of its 3 columns.
        e.forward(Tensor.fromArray(new int[]{1, 3, 1, 0, 3, 3}, 6)).sum().backward();
        assertArrayEquals(new double[]{1, 1, 1, 2, 2, 2, 0, 0, 0, 3, 3, 3, 0, 0, 0}, e.parameters().get(0).grad().toDoubleArray());
    }

    @Test
    void embeddingInitialisationIsStandardNormal() {
        Init.seed(3);
        double[] w = new Embedding(100, 50).parameters().get(0).toDoubleArray();
        double mean = 0, sq = 0;
        for (double v : w) {
            mean += v;
            sq += v * v;
        }
        mean /= w.length;
        double std = Math.sqrt(sq / w.length - mean * mean);
        // 5000 samples: the standard error of the mean is 0.014, of the std about 0.01.
        assertEquals(0, mean, 0.05);
        assertEquals(1, std, 0.05);
    }

    @Test
    void embeddingRejectsFloatIndices() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> new Embedding(4, 2).forward(Tensor.zeros(3)));
        assertTrue(ex.getMessage().contains("indices"), ex.getMessage());
    }
}
