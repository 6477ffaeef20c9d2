package dev.dendrite.zoo;

import dev.dendrite.DType;
import dev.dendrite.nn.Activation;
import dev.dendrite.nn.BatchNorm;
import dev.dendrite.nn.Conv2d;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.Sequential;
import dev.dendrite.ops.Conv2dParams;

/** Building blocks shared by the zoo's convolutional networks. */
final class Blocks {
    private Blocks() {
    }

    /** conv (no bias, since batch norm follows) → batch norm → ReLU. */
    static Sequential convBnRelu(int in, int out, int kernel, int stride, int groups) {
        return new Sequential(convBn(in, out, kernel, stride, groups), Activation.relu());
    }

    /** conv (no bias) → batch norm, 'same'-style padding k/2. */
    static Sequential convBn(int in, int out, int kernel, int stride, int groups) {
        int pad = kernel / 2;
        return new Sequential(
                new Conv2d(in, out, kernel, kernel, new Conv2dParams(stride, stride, pad, pad, 1, 1, groups), false, DType.FLOAT32),
                new BatchNorm(out));
    }

    static Module identity() {
        return new Module() {
            @Override
            public dev.dendrite.Tensor forward(dev.dendrite.Tensor x) {
                return x;
            }

            @Override
            public String describe() {
                return "Identity";
            }
        };
    }
}
