package dev.dendrite.zoo;

import dev.dendrite.DType;
import dev.dendrite.NN;
import dev.dendrite.Tensor;
import dev.dendrite.nn.BatchNorm;
import dev.dendrite.nn.Conv2d;
import dev.dendrite.nn.Flatten;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.Sequential;
import dev.dendrite.ops.Conv2dParams;

import java.util.ArrayList;
import java.util.List;

/**
 * A ShuffleNet (v1)-style network for small images: a 3×3 stem, three stages of ShuffleNet units
 * (grouped 1×1 conv → BN → ReLU → channel shuffle → 3×3 depthwise conv → BN → grouped 1×1 conv → BN),
 * residual add for stride 1 and concatenation with a 3×3 average-pooled shortcut for stride 2,
 * then global average pooling and a linear classifier.
 */
public final class ShuffleNet {
    private ShuffleNet() {
    }

    /** One ShuffleNet unit with {@code groups} groups in its 1×1 convolutions. */
    public static final class Unit extends Module {
        private final int in, out, stride, groups;

        public Unit(int in, int out, int stride, int groups) {
            this.in = in;
            this.out = out;
            this.stride = stride;
            this.groups = groups;
            int branchOut = stride == 2 ? out - in : out;
            int mid = out / 4;
            // The first 1×1 of a stage sees few channels; like the paper, it is not grouped when its input is the stem.
            int g1 = in % groups == 0 && mid % groups == 0 ? groups : 1;
            registerModule("reduce", new Conv2d(in, mid, 1, 1, new Conv2dParams(1, 1, 0, 0, 1, 1, g1), false, DType.FLOAT32));
            registerModule("bn1", new BatchNorm(mid));
            registerModule("depthwise", new Conv2d(mid, mid, 3, 3, new Conv2dParams(stride, stride, 1, 1, 1, 1, mid), false, DType.FLOAT32));
            registerModule("bn2", new BatchNorm(mid));
            registerModule("expand", new Conv2d(mid, branchOut, 1, 1, new Conv2dParams(1, 1, 0, 0, 1, 1, groups), false, DType.FLOAT32));
            registerModule("bn3", new BatchNorm(branchOut));
        }

        private Tensor run(String name, Tensor x) {
            return children().get(name).forward(x);
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = run("bn1", run("reduce", x)).relu();
            h = NN.channelShuffle(h, groups);
            h = run("bn2", run("depthwise", h));
            h = run("bn3", run("expand", h));
            if (stride == 1) return h.add(x).relu();
            Tensor shortcut = NN.avgPool2d(x, 3, 2, 1);
            return Tensor.concat(List.of(shortcut, h), 1).relu();
        }

        @Override
        public String describe() {
            return "ShuffleUnit(" + in + "→" + out + ", stride " + stride + ", g" + groups + ")";
        }
    }

    /** Stage widths 48/96/192 with 3 groups and 1/3/1 units: small enough for 28×28 and 32×32 inputs on a CPU. */
    public static Sequential small(int channels, int classes) {
        int groups = 3;
        List<Module> layers = new ArrayList<>();
        layers.add(Blocks.convBnRelu(channels, 24, 3, 1, 1));
        int in = 24;
        int[] widths = {48, 96, 192}, repeats = {1, 3, 1};
        for (int s = 0; s < widths.length; s++) {
            for (int r = 0; r < repeats[s]; r++) {
                layers.add(new Unit(in, widths[s], r == 0 ? 2 : 1, groups));
                in = widths[s];
            }
        }
        layers.add(new ResNet.GlobalPool());
        layers.add(new Flatten());
        layers.add(new Linear(in, classes));
        return new Sequential(layers);
    }
}
