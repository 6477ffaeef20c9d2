package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.Tensor;
import dev.dendrite.ops.Conv2dParams;

/**
 * Depthwise separable convolution (MobileNet, Xception): a depthwise {@code k×k} convolution with
 * {@code groups = Cin} (one filter per input channel, weight {@code [Cin, 1, k, k]}, no bias),
 * then a pointwise {@code 1×1} convolution mixing channels (weight {@code [Cout, Cin, 1, 1]}, bias
 * {@code [Cout]}). Costs {@code Cin·k² + Cin·Cout} weights instead of {@code Cin·Cout·k²}.
 * Input {@code [N, Cin, H, W]}, output {@code [N, Cout, H', W']} with H', W' those of the depthwise
 * convolution. Children {@code depthwise} and {@code pointwise} are {@link Conv2d}s with its
 * default initialisation (He normal weights, zero bias); the single bias follows Keras's SeparableConv2D.
 */
public class DepthwiseSeparableConv2d extends Module {
    private final int inChannels, outChannels, kernel;
    private final Conv2d depthwise, pointwise;

    /** Square kernel, no dilation, bias, FLOAT32. */
    public DepthwiseSeparableConv2d(int inChannels, int outChannels, int kernel, int stride, int pad) {
        this(inChannels, outChannels, kernel, Conv2dParams.of(stride, pad), true, DType.FLOAT32);
    }

    /**
     * @param depthwiseParams stride, padding and dilation of the depthwise convolution; its groups must be 1 or {@code inChannels}
     *                        (the layer sets groups = inChannels)
     */
    public DepthwiseSeparableConv2d(int inChannels, int outChannels, int kernel, Conv2dParams depthwiseParams, boolean bias, DType dtype) {
        if (inChannels < 1 || outChannels < 1)
            throw new IllegalArgumentException("DepthwiseSeparableConv2d: channels must be >= 1, got " + inChannels + "→" + outChannels);
        if (depthwiseParams.groups() != 1 && depthwiseParams.groups() != inChannels)
            throw new IllegalArgumentException("DepthwiseSeparableConv2d: the depthwise convolution has groups = inChannels = " + inChannels
                    + ", got params with groups=" + depthwiseParams.groups());
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.depthwise = registerModule("depthwise",
                new Conv2d(inChannels, inChannels, kernel, kernel, depthwiseParams.withGroups(inChannels), false, dtype));
        this.pointwise = registerModule("pointwise", new Conv2d(inChannels, outChannels, 1, 1, Conv2dParams.defaults(), bias, dtype));
    }

    /**
     * @param x {@code [N, Cin, H, W]}
     * @return {@code [N, Cout, H', W']}
     */
    @Override
    public Tensor forward(Tensor x) {
        return pointwise.forward(depthwise.forward(x));
    }

    @Override
    public String describe() {
        Conv2dParams p = depthwise.params();
        return "DepthwiseSeparableConv2d(" + inChannels + "→" + outChannels + ", " + kernel + "×" + kernel
                + (p.strideH() != 1 || p.strideW() != 1 ? ", stride " + p.strideH() : "") + ")";
    }
}
