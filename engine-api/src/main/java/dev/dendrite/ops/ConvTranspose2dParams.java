package dev.dendrite.ops;

/**
 * Transposed convolution: the adjoint of {@link Conv2dParams conv2d} with the same geometry.
 * Weight layout {@code [inChannels, outChannels/groups, kh, kw]} (as PyTorch's ConvTranspose2d).
 * Output size: {@code out = (in − 1)·stride − 2·pad + dilation·(k − 1) + outputPad + 1};
 * {@code outputPad} must be smaller than the stride or the dilation, which picks one of the
 * input sizes that the forward convolution maps to the same output size.
 */
public record ConvTranspose2dParams(Conv2dParams conv, int outputPadH, int outputPadW) {
    public ConvTranspose2dParams {
        if (conv == null) throw new IllegalArgumentException("convTranspose2d: conv params are null");
        if (outputPadH < 0 || outputPadW < 0)
            throw new IllegalArgumentException("convTranspose2d: output padding must be >= 0, got (" + outputPadH + ", " + outputPadW + ")");
        if (outputPadH >= Math.max(conv.strideH(), conv.dilationH()) || outputPadW >= Math.max(conv.strideW(), conv.dilationW()))
            throw new IllegalArgumentException("convTranspose2d: output padding (" + outputPadH + ", " + outputPadW
                    + ") must be smaller than stride or dilation (" + conv + ")");
    }

    public static int outputSize(int in, int kernel, int stride, int pad, int dilation, int outputPad) {
        return (in - 1) * stride - 2 * pad + dilation * (kernel - 1) + outputPad + 1;
    }
}
