package dev.dendrite.zoo;

import dev.dendrite.nn.Concat;
import dev.dendrite.nn.Flatten;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.Pool2d;
import dev.dendrite.nn.Sequential;

import java.util.ArrayList;
import java.util.List;

/**
 * DenseNet building blocks (Huang et al. 2017): in a dense block every layer (BN-free here: conv-BN-ReLU
 * 3×3 producing {@code growth} channels) sees the concatenation of the block input and all earlier
 * layers' outputs, so a block of L layers maps C channels to C + L·growth.
 */
public final class DenseNet {
    private DenseNet() {
    }

    /** A dense block: {@code layers} concatenating layers of growth rate {@code growth}. */
    public static Sequential block(int in, int growth, int layers) {
        List<Module> out = new ArrayList<>();
        int c = in;
        for (int i = 0; i < layers; i++) {
            out.add(Concat.dense(Blocks.convBnRelu(c, growth, 3, 1, 1)));
            c += growth;
        }
        return new Sequential(out);
    }

    /** A small DenseNet: 3×3 stem (16 channels), two dense blocks (growth 12, 4 layers) with a 1×1 transition and pooling between, then a classifier. */
    public static Sequential small(int channels, int classes) {
        int growth = 12, layers = 4;
        int c1 = 16 + growth * layers;
        int t = c1 / 2;
        int c2 = t + growth * layers;
        return new Sequential(
                Blocks.convBnRelu(channels, 16, 3, 1, 1),
                block(16, growth, layers),
                Blocks.convBnRelu(c1, t, 1, 1, 1), Pool2d.avg(2),
                block(t, growth, layers),
                new ResNet.GlobalPool(), new Flatten(), new Linear(c2, classes));
    }
}
