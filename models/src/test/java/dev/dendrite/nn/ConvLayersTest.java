package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.ops.Conv2dParams;
import dev.dendrite.ops.ConvTranspose2dParams;
import dev.dendrite.ops.Pool2dParams;
import dev.dendrite.ops.PoolMode;
import org.junit.jupiter.api.Test;

import static dev.dendrite.nn.LayerChecks.checkModule;
import static dev.dendrite.nn.LayerChecks.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gradient checks (FLOAT64) and shapes of the linear, convolution and pooling layers. */
class ConvLayersTest {
    @Test
    void linear() {
        checkModule(new Linear(5, 3), randn(1, 2, 5));
        checkModule(new Linear(4, 2), randn(2, 2, 3, 4));    // batch dimensions beyond one
        checkModule(new Linear(4, 2, false, DType.FLOAT32), randn(3, 3, 4));
    }

    @Test
    void conv2dWithStridePaddingDilationGroups() {
        checkModule(new Conv2d(3, 4, 3, 1, 0), randn(10, 2, 3, 5, 5));
        checkModule(new Conv2d(3, 4, 3, 2, 1), randn(11, 1, 3, 6, 5));
        checkModule(new Conv2d(2, 3, 3, 3, new Conv2dParams(1, 2, 2, 1, 2, 1, 1), true, DType.FLOAT32), randn(12, 1, 2, 6, 6));
        checkModule(new Conv2d(4, 6, 3, 3, new Conv2dParams(1, 1, 1, 1, 1, 1, 2), true, DType.FLOAT32), randn(13, 2, 4, 4, 4));
        checkModule(Conv2d.same(2, 2, 3, 2, 2, false), randn(14, 1, 2, 5, 5));
    }

    @Test
    void convTranspose2dWithOutputPadding() {
        ConvTranspose2d up = new ConvTranspose2d(3, 2, 3, 2, 1, 1);
        up.to(DType.FLOAT64);
        Tensor x = randn(20, 2, 3, 3, 4);
        // (in − 1)·2 − 2 + 2 + 1 + 1: 3 → 6, 4 → 8, an exact 2× upsampling.
        assertEquals(Shape.of(2, 2, 6, 8), up.forward(x).shape());
        checkModule(up, x);
        ConvTranspose2dParams grouped = new ConvTranspose2dParams(new Conv2dParams(2, 1, 0, 1, 1, 2, 2), 1, 0);
        ConvTranspose2d g = new ConvTranspose2d(4, 6, 2, 3, grouped, true, DType.FLOAT64);
        Tensor x2 = randn(21, 1, 4, 3, 3);
        assertEquals(Shape.of(1, 6, 7, 5), g.forward(x2).shape());
        checkModule(g, x2);
    }

    @Test
    void convTranspose2dIsTheAdjointOfConv2d() {
        // ⟨conv(x), y⟩ = ⟨x, convT(y)⟩ when both use the same weight and geometry.
        Conv2dParams p = new Conv2dParams(2, 2, 1, 1, 1, 1, 1);
        Conv2d conv = new Conv2d(2, 3, 3, 3, p, false, DType.FLOAT64);
        ConvTranspose2d convT = new ConvTranspose2d(3, 2, 3, 3, new ConvTranspose2dParams(p, 0, 0), false, DType.FLOAT64);
        convT.loadStateDict(conv.stateDict());
        Tensor x = Tensor.randn(Shape.of(1, 2, 5, 5), 1, DType.FLOAT64), y = Tensor.randn(Shape.of(1, 3, 3, 3), 2, DType.FLOAT64);
        double lhs = conv.forward(x).mul(y).sum().item(), rhs = x.mul(convT.forward(y)).sum().item();
        assertEquals(lhs, rhs, 1e-12 * Math.abs(lhs) + 1e-12);
    }

    @Test
    void depthwiseSeparable() {
        DepthwiseSeparableConv2d m = new DepthwiseSeparableConv2d(3, 5, 3, 1, 1);
        m.to(DType.FLOAT64);
        assertEquals(3 * 9 + 3 * 5 + 5, m.parameterCount());
        Tensor x = randn(30, 2, 3, 4, 4);
        assertEquals(Shape.of(2, 5, 4, 4), m.forward(x).shape());
        checkModule(m, x);
        DepthwiseSeparableConv2d strided = new DepthwiseSeparableConv2d(2, 3, 3, new Conv2dParams(2, 2, 1, 1, 1, 1, 1), false, DType.FLOAT32);
        checkModule(strided, randn(31, 1, 2, 5, 5));
    }

    @Test
    void maxPool() {
        // Random normals have no ties, and no two window entries closer than the 1e-6 perturbation.
        checkModule(Pool2d.max(2), randn(40, 2, 2, 4, 4));
        checkModule(Pool2d.max(3, 2, 1), randn(41, 1, 2, 5, 5));
    }

    @Test
    void avgPool() {
        checkModule(Pool2d.avg(2), randn(42, 2, 2, 4, 4));
        checkModule(Pool2d.avg(3, 2, 1), randn(43, 1, 2, 5, 5));
        checkModule(new Pool2d(new Pool2dParams(PoolMode.AVG_EXCLUDE_PAD, 3, 3, 2, 2, 1, 1)), randn(44, 1, 1, 5, 5));
    }

    @Test
    void globalAvgPool() {
        Tensor x = Tensor.fromArray(new double[]{1, 2, 3, 4, 10, 20, 30, 40}, 1, 2, 2, 2);
        assertArrayEquals(new double[]{2.5, 25}, new GlobalAvgPool2d().forward(x).toDoubleArray());
        assertEquals(Shape.of(1, 2, 1, 1), new GlobalAvgPool2d().forward(x).shape());
        assertEquals(Shape.of(1, 2), GlobalAvgPool2d.flattening().forward(x).shape());
        checkModule(new GlobalAvgPool2d(), randn(50, 2, 3, 3, 2));
        checkModule(GlobalAvgPool2d.flattening(), randn(51, 2, 3, 2, 2));
    }

    @Test
    void flatten() {
        Tensor x = randn(60, 2, 3, 2, 2);
        assertEquals(Shape.of(2, 12), new Flatten().forward(x).shape());
        checkModule(new Flatten(), x);
    }

    @Test
    void channelShufflePermutationOrder() {
        double[] ch = {0, 1, 2, 3, 4, 5};
        Tensor x = Tensor.fromArray(ch, 1, 6, 1, 1);
        assertArrayEquals(new double[]{0, 3, 1, 4, 2, 5}, new ChannelShuffle(2).forward(x).toDoubleArray());
        assertArrayEquals(new double[]{0, 2, 4, 1, 3, 5}, new ChannelShuffle(3).forward(x).toDoubleArray());
        assertArrayEquals(ch, new ChannelShuffle(1).forward(x).toDoubleArray());
        checkModule(new ChannelShuffle(2), randn(70, 2, 4, 2, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ChannelShuffle(4).forward(x));
        assertTrue(e.getMessage().contains("6 channels"), e.getMessage());
    }

    @Test
    void badConfigurationsNameTheValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConvTranspose2d(3, 4, 3, 3, new ConvTranspose2dParams(Conv2dParams.defaults().withGroups(2), 0, 0), true, DType.FLOAT32));
        assertTrue(e.getMessage().contains("3→4") && e.getMessage().contains("groups=2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DepthwiseSeparableConv2d(4, 4, 3, Conv2dParams.defaults().withGroups(2), true, DType.FLOAT32));
        assertTrue(e.getMessage().contains("groups=2"), e.getMessage());
    }
}
