package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.ops.Conv2dParams;

/**
 * 2-D convolution layer over {@code [N, C, H, W]} with weight {@code [K, C/groups, R, S]} and bias {@code [K]}.
 * Default initialisation: He normal weight (suits ReLU networks), zero bias.
 * {@link #same} builds a stride-1 convolution whose output has the input's size (odd kernels).
 */
public class Conv2d extends Module {
    private final int inChannels, outChannels, kh, kw;
    private final Conv2dParams params;

    public Conv2d(int inChannels, int outChannels, int kernel) {
        this(inChannels, outChannels, kernel, kernel, Conv2dParams.defaults(), true, DType.FLOAT32);
    }

    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int pad) {
        this(inChannels, outChannels, kernel, kernel, Conv2dParams.of(stride, pad), true, DType.FLOAT32);
    }

    public Conv2d(int inChannels, int outChannels, int kh, int kw, Conv2dParams params, boolean bias, DType dtype) {
        if (inChannels % params.groups() != 0 || outChannels % params.groups() != 0)
            throw new IllegalArgumentException("Conv2d: channels " + inChannels + "→" + outChannels + " must be divisible by groups=" + params.groups());
        if (kh < 1 || kw < 1) throw new IllegalArgumentException("Conv2d: kernel must be >= 1, got " + kh + "×" + kw);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kh = kh;
        this.kw = kw;
        this.params = params;
        Shape w = Shape.of(outChannels, inChannels / params.groups(), kh, kw);
        registerParameter("weight", Init.heNormal(w, dtype));
        registerParameter("bias", bias ? Init.zeros(Shape.of(outChannels), dtype) : null);
    }

    /** Stride 1, padding {@code dilation·(k−1)/2} so the output keeps H and W ('same'); the kernel must be odd. */
    public static Conv2d same(int inChannels, int outChannels, int kernel, int dilation, int groups, boolean bias) {
        if (kernel % 2 == 0) throw new IllegalArgumentException("Conv2d.same: kernel " + kernel + " must be odd for symmetric 'same' padding");
        int pad = dilation * (kernel - 1) / 2;
        return new Conv2d(inChannels, outChannels, kernel, kernel, new Conv2dParams(1, 1, pad, pad, dilation, dilation, groups), bias,
                DType.FLOAT32);
    }

    @Override
    public Tensor forward(Tensor x) {
        return NN.conv2d(x, param("weight"), hasParam("bias") ? param("bias") : null, params);
    }

    public Conv2dParams params() {
        return params;
    }

    @Override
    public String describe() {
        return "Conv2d(" + inChannels + "→" + outChannels + ", " + kh + "×" + kw
                + (params.strideH() != 1 || params.strideW() != 1 ? ", stride " + params.strideH() : "")
                + (params.groups() != 1 ? ", groups " + params.groups() : "") + ")";
    }
}
