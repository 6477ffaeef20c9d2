package dev.dendrite.zoo;

import dev.dendrite.NN;
import dev.dendrite.Tensor;
import dev.dendrite.nn.Conv2d;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.Pool2d;
import dev.dendrite.nn.Sequential;
import dev.dendrite.ops.UpsampleMode;

import java.util.List;

/**
 * A small U-Net (Ronneberger et al. 2015) for segmentation: two encoder stages (two 3×3 conv-BN-ReLU
 * each, then 2×2 max-pooling), a bottleneck, and two decoder stages (bilinear 2× upsampling, 1×1 conv,
 * concatenation with the encoder's skip connection, two 3×3 conv-BN-ReLU), then a 1×1 convolution to
 * per-pixel class logits. Input {@code [N, C, H, W]} with H and W divisible by 4; output {@code [N, classes, H, W]}.
 */
public final class UNet extends Module {
    private final int base;

    public UNet(int channels, int classes, int base) {
        this.base = base;
        registerModule("enc1", twice(channels, base));
        registerModule("enc2", twice(base, 2 * base));
        registerModule("bottleneck", twice(2 * base, 4 * base));
        registerModule("up2", new Conv2d(4 * base, 2 * base, 1));
        registerModule("dec2", twice(4 * base, 2 * base));
        registerModule("up1", new Conv2d(2 * base, base, 1));
        registerModule("dec1", twice(2 * base, base));
        registerModule("head", new Conv2d(base, classes, 1));
        registerModule("pool", Pool2d.max(2));
    }

    private static Sequential twice(int in, int out) {
        return new Sequential(Blocks.convBnRelu(in, out, 3, 1, 1), Blocks.convBnRelu(out, out, 3, 1, 1));
    }

    private Tensor run(String name, Tensor x) {
        return children().get(name).forward(x);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 4 || x.dim(2) % 4 != 0 || x.dim(3) % 4 != 0)
            throw new IllegalArgumentException("unet: input must be [N, C, H, W] with H and W divisible by 4, got " + x.shape());
        Tensor e1 = run("enc1", x);
        Tensor e2 = run("enc2", run("pool", e1));
        Tensor b = run("bottleneck", run("pool", e2));
        Tensor d2 = run("dec2", Tensor.concat(List.of(run("up2", NN.upsample2x(b, UpsampleMode.BILINEAR)), e2), 1));
        Tensor d1 = run("dec1", Tensor.concat(List.of(run("up1", NN.upsample2x(d2, UpsampleMode.BILINEAR)), e1), 1));
        return run("head", d1);
    }

    @Override
    public String describe() {
        return "UNet(base " + base + ")";
    }

    /** U-Net features averaged over pixels, for the image-classification demo ({@code dendrite train unet}). */
    public static Module classifier(int channels, int classes, int base) {
        UNet net = new UNet(channels, classes, base);
        return new Module() {
            {
                registerModule("unet", net);
            }

            @Override
            public Tensor forward(Tensor x) {
                return NN.globalAvgPool2d(net.forward(x)).flatten(1);
            }

            @Override
            public String describe() {
                return "UNet(base " + base + ") → pixel-mean logits";
            }
        };
    }
}
