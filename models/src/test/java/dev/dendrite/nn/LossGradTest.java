package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.ops.CrossEntropyParams;
import dev.dendrite.ops.Reduction;
import org.junit.jupiter.api.Test;

import static dev.dendrite.nn.LayerChecks.check;
import static dev.dendrite.nn.LayerChecks.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Gradient checks (FLOAT64) of the losses in {@link NN}, with a few hand-computed values. */
class LossGradTest {
    private static final Tensor LABELS = Tensor.fromArray(new long[]{2, 0, 3, 2, 1}, 5);

    @Test
    void crossEntropyReductions() {
        for (Reduction r : Reduction.values()) {
            CrossEntropyParams p = new CrossEntropyParams(r, CrossEntropyParams.NO_IGNORE, 0);
            check(in -> NN.crossEntropy(in.get(0), LABELS, p), randn(1, 5, 4));
        }
    }

    @Test
    void crossEntropyLabelSmoothing() {
        for (Reduction r : Reduction.values()) {
            CrossEntropyParams p = new CrossEntropyParams(r, CrossEntropyParams.NO_IGNORE, 0.1);
            check(in -> NN.crossEntropy(in.get(0), LABELS, p), randn(2, 5, 4));
        }
    }

    @Test
    void crossEntropyIgnoreIndex() {
        Tensor labels = Tensor.fromArray(new long[]{2, -100, 3, -100, 1}, 5);
        for (Reduction r : Reduction.values()) {
            for (double smoothing : new double[]{0, 0.2}) {
                CrossEntropyParams p = new CrossEntropyParams(r, -100, smoothing);
                check(in -> NN.crossEntropy(in.get(0), labels, p), randn(3, 5, 4));
            }
        }
    }

    @Test
    void crossEntropyValues() {
        // softmax([0, ln 3]) = [1/4, 3/4]: −ln(3/4) for label 1; with smoothing 0.2 over 2 classes the
        // target is [0.1, 0.9], giving −0.1·ln(1/4) − 0.9·ln(3/4).
        Tensor logits = Tensor.fromArray(new double[]{0, Math.log(3), 0, Math.log(3)}, 2, 2);
        Tensor labels = Tensor.fromArray(new long[]{1, 0}, 2);
        assertArrayEquals(new double[]{0.2876820724517809, Math.log(4)},
                NN.crossEntropy(logits, labels, new CrossEntropyParams(Reduction.NONE, CrossEntropyParams.NO_IGNORE, 0)).toDoubleArray(), 1e-12);
        assertEquals(0.39754330131859184,
                NN.crossEntropy(logits.narrow(0, 0, 1), labels.narrow(0, 0, 1), new CrossEntropyParams(Reduction.MEAN, CrossEntropyParams.NO_IGNORE, 0.2)).item(),
                1e-12);
        // The ignored sample is neither summed nor counted: the mean is sample 0's loss alone.
        assertEquals(0.2876820724517809, NN.crossEntropy(logits, labels, new CrossEntropyParams(Reduction.MEAN, 0, 0)).item(), 1e-12);
    }

    @Test
    void mseLoss() {
        for (Reduction r : Reduction.values()) check(in -> NN.mseLoss(in.get(0), in.get(1), r), randn(4, 3, 2), randn(5, 3, 2));
        Tensor pred = Tensor.fromArray(new double[]{1, 2}, 2), target = Tensor.fromArray(new double[]{0, 4}, 2);
        assertEquals(2.5, NN.mseLoss(pred, target, Reduction.MEAN).item(), 0);
        assertEquals(5, NN.mseLoss(pred, target, Reduction.SUM).item(), 0);
    }

    @Test
    void bceWithLogits() {
        Tensor target = Tensor.rand(Shape.of(3, 2), 6, DType.FLOAT64).requiresGrad(true);    // soft targets in [0, 1)
        Tensor logits = Tensor.randn(Shape.of(3, 2), 7, 0, 0, 4, DType.FLOAT64, null).requiresGrad(true);   // both signs, large magnitudes
        for (Reduction r : Reduction.values()) check(in -> NN.bceWithLogits(in.get(0), in.get(1), r), logits, target);
        // logit 0: ln 2 whatever the target; logit 50, target 1: ≈ e^−50 (no overflow); logit −50, target 1: ≈ 50.
        Tensor x = Tensor.fromArray(new double[]{0, 50, -50}, 3), t = Tensor.fromArray(new double[]{0.3, 1, 1}, 3);
        assertArrayEquals(new double[]{Math.log(2), Math.exp(-50), 50}, NN.bceWithLogits(x, t, Reduction.NONE).toDoubleArray(), 1e-15);
    }
}
