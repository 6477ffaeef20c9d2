package dev.dendrite.nn;

import dev.dendrite.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parameter counts in {@link Module#summary}: LeNet-5's textbook 61,706 and batch-norm buffers as non-trainable. */
class SummaryTest {
    @Test
    void leNet5Has61706TrainableParameters() {
        // 6·25 + 6 = 156; 16·6·25 + 16 = 2,416; 400·120 + 120 = 48,120; 120·84 + 84 = 10,164; 84·10 + 10 = 850.
        Sequential lenet = new Sequential(
                new Conv2d(1, 6, 5), Activation.relu(), Pool2d.max(2),
                new Conv2d(6, 16, 5), Activation.relu(), Pool2d.max(2),
                new Flatten(),
                new Linear(400, 120), Activation.relu(),
                new Linear(120, 84), Activation.relu(),
                new Linear(84, 10));
        String s = lenet.summary(Shape.of(1, 1, 32, 32));
        assertTrue(s.contains("Trainable params: 61,706"), s);
        assertTrue(s.contains("Non-trainable params: 0"), s);
        assertTrue(s.contains("[1, 6, 28, 28]") && s.contains("[1, 16, 5, 5]") && s.contains("[1, 400]") && s.contains("[1, 10]"), s);
        assertEquals(61_706, lenet.parameterCount());
    }

    @Test
    void batchNormRunningStatisticsAreNonTrainable() {
        // Conv 1·4·9 + 4 = 40, BN γ and β 8, Linear 4·2 + 2 = 10; running mean and variance 4 + 4.
        Sequential m = new Sequential(new Conv2d(1, 4, 3), new BatchNorm(4), Activation.relu(), GlobalAvgPool2d.flattening(), new Linear(4, 2));
        String s = m.summary(Shape.of(2, 1, 8, 8));
        assertTrue(s.contains("Total params: 66"), s);
        assertTrue(s.contains("Trainable params: 58"), s);
        assertTrue(s.contains("Non-trainable params: 8"), s);
    }

    @Test
    void newLayersDescribeThemselves() {
        Sequential m = new Sequential(new ConvTranspose2d(3, 2, 3, 2, 1, 1), new DepthwiseSeparableConv2d(2, 4, 3, 1, 1),
                new SqueezeExcitation(4, 2, dev.dendrite.DType.FLOAT32), new ChannelShuffle(2), new GlobalAvgPool2d());
        String s = m.summary(Shape.of(1, 3, 4, 4));
        assertEquals("ConvTranspose2d(3→2, 3×3, stride 2)", m.get(0).describe());
        assertEquals("DepthwiseSeparableConv2d(2→4, 3×3)", m.get(1).describe());
        assertTrue(s.contains("[1, 2, 8, 8]"), s);
        assertTrue(s.contains("ChannelShuffle(2)") && s.contains("[1, 4, 1, 1]"), s);
        // 3·2·9 + 2 = 56; 2·9 + 2·4 + 4 = 30; 4·2 + 2 + 2·4 + 4 = 22.
        assertTrue(s.contains("Trainable params: 108"), s);
    }
}
