package dev.dendrite.zoo;

import dev.dendrite.MemoryScope;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.DType;
import dev.dendrite.nn.Init;
import dev.dendrite.nn.Module;
import dev.dendrite.optim.Optimizer;
import dev.dendrite.optim.Optimizers;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ModelZooTest {
    /** conv weight without bias followed by BN (γ, β): k·k·in/groups·out + 2·out. */
    private static long convBn(int in, int out, int k, int groups) {
        return (long) k * k * (in / groups) * out + 2L * out;
    }

    @Test
    void lenetHasTheClassicParameterCount() {
        try (Module m = ModelZoo.build("lenet", new int[]{1, 32, 32}, 10)) {
            // conv1 1·6·25+6 = 156, conv2 6·16·25+16 = 2,416, fc 400·120+120 = 48,120, 120·84+84 = 10,164, 84·10+10 = 850.
            assertEquals(61_706, m.parameterCount());
            assertTrue(m.summary(Shape.of(1, 1, 32, 32)).contains("Trainable params: 61,706"), m.summary(Shape.of(1, 1, 32, 32)));
        }
    }

    @Test
    void resnet20MatchesTheOptionBCount() {
        long stem = convBn(3, 16, 3, 1);
        long stage1 = 3 * (2 * convBn(16, 16, 3, 1));
        long stage2 = convBn(16, 32, 3, 1) + convBn(32, 32, 3, 1) + convBn(16, 32, 1, 1) + 2 * (2 * convBn(32, 32, 3, 1));
        long stage3 = convBn(32, 64, 3, 1) + convBn(64, 64, 3, 1) + convBn(32, 64, 1, 1) + 2 * (2 * convBn(64, 64, 3, 1));
        long fc = 64 * 10 + 10;
        assertEquals(272_474, stem + stage1 + stage2 + stage3 + fc, "hand formula");
        try (Module m = ModelZoo.build("resnet20", new int[]{3, 32, 32}, 10)) {
            assertEquals(272_474, m.parameterCount());
        }
    }

    @Test
    void resnet18MatchesTheCifarCount() {
        try (Module m = ModelZoo.build("resnet18", new int[]{3, 32, 32}, 10)) {
            // The well-known count of the CIFAR-style ResNet-18 (3×3 stem, projection shortcuts, 10 classes).
            assertEquals(11_173_962, m.parameterCount());
        }
    }

    @Test
    void mobilenetV1MatchesThePaperCount() {
        try (Module m = MobileNet.v1(3, 1000, 1.0)) {
            // 4.2 M trainable parameters at α = 1 for 1000 classes (Keras's MobileNet reports 4,231,976 trainable).
            assertEquals(4_231_976, m.parameterCount());
        }
    }

    @Test
    void vggAndUnetCountsFollowTheirDefinitions() {
        long vgg = convBn(1, 32, 3, 1) + convBn(32, 32, 3, 1) + convBn(32, 64, 3, 1) + convBn(64, 64, 3, 1)
                + convBn(64, 128, 3, 1) + convBn(128, 128, 3, 1) + 128 * 10 + 10;
        try (Module m = ModelZoo.build("vgg", new int[]{1, 28, 28}, 10)) {
            assertEquals(vgg, m.parameterCount());
        }
        int b = 16;
        long unet = convBn(1, b, 3, 1) + convBn(b, b, 3, 1) + convBn(b, 2 * b, 3, 1) + convBn(2 * b, 2 * b, 3, 1)
                + convBn(2 * b, 4 * b, 3, 1) + convBn(4 * b, 4 * b, 3, 1)
                + (4L * b * 2 * b + 2 * b) + convBn(4 * b, 2 * b, 3, 1) + convBn(2 * b, 2 * b, 3, 1)
                + (2L * b * b + b) + convBn(2 * b, b, 3, 1) + convBn(b, b, 3, 1) + (b * 10L + 10);
        try (Module m = new UNet(1, 10, b)) {
            assertEquals(unet, m.parameterCount());
        }
    }

    @Test
    void denseBlockGrowsChannelsAndSeNetCountsItsGates() {
        try (MemoryScope scope = MemoryScope.open(); Module block = DenseNet.block(5, 3, 4)) {
            block.eval();
            // C + L·growth channels out; each layer l sees 5 + 3l channels: Σ (9·(5+3l)·3 + 2·3).
            assertEquals(Shape.of(2, 17, 6, 6), block.forward(Tensor.zeros(Shape.of(2, 5, 6, 6), DType.FLOAT32)).shape());
            long expected = 0;
            for (int l = 0; l < 4; l++) expected += convBn(5 + 3 * l, 3, 3, 1);
            assertEquals(expected, block.parameterCount());
        }
        // SE(C, r): FC C→C/r and C/r→C with biases.
        long se = convBn(1, 32, 3, 1) + (32 * 4 + 4) + (4 * 32 + 32) + convBn(32, 64, 3, 1) + (64 * 8 + 8) + (8 * 64 + 64) + 64 * 10 + 10;
        try (Module m = ModelZoo.build("senet", new int[]{1, 28, 28}, 10)) {
            assertEquals(se, m.parameterCount());
        }
    }

    @Test
    void everyZooModelRunsForwardOnItsInput() {
        for (String name : ModelZoo.names()) {
            int[] chw = name.equals("resnet18") || name.equals("mobilenet") ? new int[]{3, 32, 32} : new int[]{1, 28, 28};
            try (Module m = ModelZoo.build(name, chw, 10); MemoryScope scope = MemoryScope.open()) {
                m.eval();
                Tensor y = m.forward(Tensor.randn(Shape.of(2, chw[0], chw[1], chw[2]), 1, DType.FLOAT32));
                assertEquals(Shape.of(2, 10), y.shape(), name);
            }
        }
    }

    @Test
    void unetKeepsTheSpatialSize() {
        try (UNet u = new UNet(1, 3, 4); MemoryScope scope = MemoryScope.open()) {
            assertEquals(Shape.of(2, 3, 16, 12), u.forward(Tensor.zeros(Shape.of(2, 1, 16, 12), DType.FLOAT32)).shape());
            assertThrows(IllegalArgumentException.class, () -> u.forward(Tensor.zeros(Shape.of(1, 1, 10, 12), DType.FLOAT32)));
        }
    }

    @Test
    void resnet20LossFallsOnRandomCifarShapedData() {
        Init.seed(7);
        try (Module m = ModelZoo.build("resnet20", new int[]{3, 32, 32}, 10)) {
            Optimizer opt = Optimizers.create("adam", m.parameters(), 1e-2);
            Tensor x = Tensor.randn(Shape.of(8, 3, 32, 32), 3, DType.FLOAT32);
            Tensor y = Tensor.fromArray(new long[]{0, 1, 2, 3, 4, 5, 6, 7}, Shape.of(8), null);
            double first = Double.NaN, last = Double.NaN;
            for (int step = 0; step < 8; step++) {
                try (MemoryScope scope = MemoryScope.open()) {
                    opt.zeroGrad();
                    Tensor loss = NN.crossEntropy(m.forward(x), y);
                    loss.backward();
                    opt.step();
                    if (step == 0) first = loss.item();
                    last = loss.item();
                }
            }
            // Memorising 8 random images: the loss must fall well below its starting value (≈ ln 10 = 2.3).
            assertTrue(last < 0.5 * first, "loss went from " + first + " to " + last);
        }
    }
}
