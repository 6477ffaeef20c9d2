package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.ops.Conv2dParams;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.dendrite.nn.LayerChecks.checkModule;
import static dev.dendrite.nn.LayerChecks.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Squeeze-excitation, residual and concatenation blocks: gradient checks in FLOAT64, values and shape errors. */
class CompositeLayersTest {
    @Test
    void squeezeExcitationGradients() {
        SqueezeExcitation se = new SqueezeExcitation(8, 4, DType.FLOAT32);
        assertEquals(2, se.hiddenChannels());
        assertEquals(8 * 2 + 2 + 2 * 8 + 8, se.parameterCount());
        checkModule(se, randn(1, 2, 8, 3, 2));
    }

    @Test
    void squeezeExcitationScalesEachChannelByItsGate() {
        // Zero weights and bias b₂: the gate is σ(b₂) whatever the input, so channel c is scaled by σ(b₂[c]).
        SqueezeExcitation se = new SqueezeExcitation(2, 2, DType.FLOAT64);
        se.loadStateDict(Map.of("fc1.weight", Tensor.zeros(Shape.of(1, 2), DType.FLOAT64), "fc1.bias", Tensor.zeros(Shape.of(1), DType.FLOAT64),
                "fc2.weight", Tensor.zeros(Shape.of(2, 1), DType.FLOAT64), "fc2.bias", Tensor.fromArray(new double[]{0, Math.log(3)}, 2)));
        double[] y = se.forward(Tensor.fromArray(new double[]{2, 4, 8, 12}, 1, 2, 1, 2)).toDoubleArray();
        // σ(0) = 1/2, σ(ln 3) = 3/4.
        assertArrayEquals(new double[]{1, 2, 6, 9}, y, 1e-15);
    }

    @Test
    void residualIdentityShortcut() {
        Residual r = new Residual(new Sequential(new Linear(4, 4), Activation.tanh()));
        checkModule(r, randn(2, 3, 4));
        // With a zero body the block is the identity.
        Residual zero = new Residual(new Linear(2, 2, false, DType.FLOAT64));
        zero.loadStateDict(Map.of("body.weight", Tensor.zeros(Shape.of(2, 2), DType.FLOAT64)));
        Tensor x = Tensor.fromArray(new double[]{3, -1}, 1, 2);
        assertArrayEquals(new double[]{3, -1}, zero.forward(x).toDoubleArray());
    }

    @Test
    void residualProjectionShortcut() {
        // A ResNet downsampling block: 3×3 stride-2 body, 1×1 stride-2 projection.
        Residual r = new Residual(new Sequential(new Conv2d(2, 3, 3, 2, 1), Activation.relu(), new Conv2d(3, 3, 3, 1, 1)),
                new Conv2d(2, 3, 1, 1, Conv2dParams.of(2, 0), false, DType.FLOAT32));
        Tensor x = randn(3, 1, 2, 4, 4);
        r.to(DType.FLOAT64);
        assertEquals(Shape.of(1, 3, 2, 2), r.forward(x).shape());
        checkModule(r, x);
    }

    @Test
    void residualShapeMismatchIsReported() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Residual(new Linear(4, 3)).forward(Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2, 4]") && e.getMessage().contains("projection"), e.getMessage());
    }

    @Test
    void concatBranches() {
        Concat c = new Concat(new Conv2d(2, 3, 1), new Sequential(new Conv2d(2, 1, 3, 1, 1), Activation.tanh()), Pool2d.max(3, 1, 1));
        Tensor x = randn(4, 2, 2, 3, 3);
        c.to(DType.FLOAT64);
        assertEquals(Shape.of(2, 3 + 1 + 2, 3, 3), c.forward(x).shape());
        checkModule(c, x);
    }

    @Test
    void denseConcatPutsTheInputFirst() {
        Concat c = Concat.dense(new Conv2d(2, 2, 3, 1, 1));
        c.to(DType.FLOAT64);
        Tensor x = randn(5, 1, 2, 3, 3);
        Tensor y = c.forward(x);
        assertEquals(Shape.of(1, 4, 3, 3), y.shape());
        assertArrayEquals(x.toDoubleArray(), y.narrow(1, 0, 2).toDoubleArray());
        checkModule(c, x);
        // Along the last axis of a [N, F] input.
        Concat features = new Concat(-1, false, List.of(new Linear(3, 2), Activation.sigmoid()));
        features.to(DType.FLOAT64);
        assertEquals(Shape.of(4, 5), features.forward(Tensor.zeros(Shape.of(4, 3), DType.FLOAT64)).shape());
    }

    @Test
    void concatMismatchIsReported() {
        Concat c = new Concat(new Conv2d(2, 3, 1), new Conv2d(2, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> c.forward(Tensor.zeros(1, 2, 5, 5)));
    }

    /** A linear layer whose backward pass loses the weight's gradient (the weight is detached). */
    static final class BrokenLinear extends Linear {
        BrokenLinear() {
            super(3, 2, true, DType.FLOAT64);
        }

        @Override
        public Tensor forward(Tensor x) {
            return NN.linear(x, param("weight").detach(), param("bias"));
        }
    }

    @Test
    void theCheckCatchesABrokenLayer() {
        AssertionError e = assertThrows(AssertionError.class, () -> checkModule(new BrokenLinear(), randn(6, 2, 3)));
        assertTrue(e.getMessage().contains("input 1 [2, 3]") && e.getMessage().contains("analytic=0"), e.getMessage());
    }
}
