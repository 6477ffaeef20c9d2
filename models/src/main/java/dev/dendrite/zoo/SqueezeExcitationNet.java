package dev.dendrite.zoo;

import dev.dendrite.nn.Flatten;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Pool2d;
import dev.dendrite.nn.Sequential;
import dev.dendrite.nn.SqueezeExcitation;

/**
 * A small squeeze-and-excitation network (Hu et al. 2018): conv-BN-ReLU stages each followed by an
 * SE block (global pool → FC C/r → ReLU → FC C → sigmoid → channel scaling, r = 8), then a classifier.
 */
public final class SqueezeExcitationNet {
    private SqueezeExcitationNet() {
    }

    public static Sequential small(int channels, int classes) {
        return new Sequential(
                Blocks.convBnRelu(channels, 32, 3, 1, 1), new SqueezeExcitation(32, 8, dev.dendrite.DType.FLOAT32), Pool2d.max(2),
                Blocks.convBnRelu(32, 64, 3, 1, 1), new SqueezeExcitation(64, 8, dev.dendrite.DType.FLOAT32), Pool2d.max(2),
                new ResNet.GlobalPool(), new Flatten(), new Linear(64, classes));
    }
}
