package dev.dendrite.zoo;

import dev.dendrite.nn.Flatten;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.Sequential;

import java.util.ArrayList;
import java.util.List;

/**
 * MobileNet v1 (Howard et al. 2017): a 3×3 stride-2 stem then 13 depthwise-separable blocks
 * (3×3 depthwise conv-BN-ReLU, 1×1 pointwise conv-BN-ReLU), global average pooling and a linear
 * classifier. {@code widthMultiplier} scales every channel count (α in the paper).
 */
public final class MobileNet {
    private MobileNet() {
    }

    /** (output channels, stride) of the 13 depthwise-separable blocks. */
    private static final int[][] BLOCKS = {{64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2},
            {512, 1}, {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};

    /** One depthwise-separable block: depthwise 3×3 (groups = channels) then pointwise 1×1. */
    public static Sequential separable(int in, int out, int stride) {
        return new Sequential(Blocks.convBnRelu(in, in, 3, stride, in), Blocks.convBnRelu(in, out, 1, 1, 1));
    }

    public static Sequential v1(int channels, int classes, double widthMultiplier) {
        List<Module> layers = new ArrayList<>();
        int stem = (int) Math.round(32 * widthMultiplier);
        layers.add(Blocks.convBnRelu(channels, stem, 3, 2, 1));
        int in = stem;
        for (int[] b : BLOCKS) {
            int out = (int) Math.round(b[0] * widthMultiplier);
            layers.add(separable(in, out, b[1]));
            in = out;
        }
        layers.add(new ResNet.GlobalPool());
        layers.add(new Flatten());
        layers.add(new Linear(in, classes));
        return new Sequential(layers);
    }
}
