package dev.dendrite.zoo;

import dev.dendrite.nn.Dropout;
import dev.dendrite.nn.Flatten;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.Pool2d;
import dev.dendrite.nn.Sequential;

import java.util.ArrayList;
import java.util.List;

/**
 * A small VGG: three stages of two 3×3 conv-BN-ReLU layers (32, 64, 128 channels) each followed by
 * 2×2 max-pooling, then global average pooling, dropout 0.3 and a linear classifier. Works on any
 * input of at least 8×8.
 */
public final class Vgg {
    private Vgg() {
    }

    public static Sequential small(int channels, int classes) {
        List<Module> layers = new ArrayList<>();
        int in = channels;
        for (int width : new int[]{32, 64, 128}) {
            layers.add(Blocks.convBnRelu(in, width, 3, 1, 1));
            layers.add(Blocks.convBnRelu(width, width, 3, 1, 1));
            layers.add(Pool2d.max(2));
            in = width;
        }
        layers.add(new ResNet.GlobalPool());
        layers.add(new Flatten());
        layers.add(new Dropout(0.3));
        layers.add(new Linear(in, classes));
        return new Sequential(layers);
    }
}
