package dev.dendrite.zoo;

import dev.dendrite.NN;
import dev.dendrite.Tensor;
import dev.dendrite.nn.Flatten;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.Sequential;

import java.util.ArrayList;
import java.util.List;

/**
 * Residual networks with basic blocks (two 3×3 conv-BN layers and an identity or 1×1 conv-BN
 * projection shortcut), CIFAR-style stem (one 3×3 convolution, no max-pool), global average
 * pooling and a linear classifier.
 * <ul>
 *   <li>ResNet-20 (He et al. 2015, §4.2): 16/32/64 channels, 3 blocks per stage.</li>
 *   <li>ResNet-18: 64/128/256/512 channels, 2 blocks per stage.</li>
 * </ul>
 * Shortcuts that change shape use a 1×1 convolution with batch norm (option B).
 */
public final class ResNet {
    private ResNet() {
    }

    /** {@code y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))}. */
    public static final class BasicBlock extends Module {
        private final int in, out, stride;

        public BasicBlock(int in, int out, int stride) {
            this.in = in;
            this.out = out;
            this.stride = stride;
            registerModule("conv1", Blocks.convBnRelu(in, out, 3, stride, 1));
            registerModule("conv2", Blocks.convBn(out, out, 3, 1, 1));
            registerModule("shortcut", stride != 1 || in != out ? Blocks.convBn(in, out, 1, stride, 1) : Blocks.identity());
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = children().get("conv2").forward(children().get("conv1").forward(x));
            return h.add(children().get("shortcut").forward(x)).relu();
        }

        @Override
        public String describe() {
            return "BasicBlock(" + in + "→" + out + (stride != 1 ? ", stride " + stride : "") + ")";
        }
    }

    /** Global average pooling to {@code [N, C, 1, 1]}. */
    static final class GlobalPool extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return NN.globalAvgPool2d(x);
        }

        @Override
        public String describe() {
            return "GlobalAvgPool2d";
        }
    }

    public static Sequential build(int channels, int classes, int stemWidth, int[] widths, int[] blocks) {
        List<Module> layers = new ArrayList<>();
        layers.add(Blocks.convBnRelu(channels, stemWidth, 3, 1, 1));
        int in = stemWidth;
        for (int s = 0; s < widths.length; s++) {
            for (int b = 0; b < blocks[s]; b++) {
                int stride = s > 0 && b == 0 ? 2 : 1;
                layers.add(new BasicBlock(in, widths[s], stride));
                in = widths[s];
            }
        }
        layers.add(new GlobalPool());
        layers.add(new Flatten());
        layers.add(new Linear(in, classes));
        return new Sequential(layers);
    }

    public static Sequential resnet20(int channels, int classes) {
        return build(channels, classes, 16, new int[]{16, 32, 64}, new int[]{3, 3, 3});
    }

    public static Sequential resnet18(int channels, int classes) {
        return build(channels, classes, 64, new int[]{64, 128, 256, 512}, new int[]{2, 2, 2, 2});
    }
}
