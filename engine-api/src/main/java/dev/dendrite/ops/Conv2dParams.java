package dev.dendrite.ops;

/**
 * Geometry of a 2-D cross-correlation (what cuDNN and every framework call convolution), NCHW.
 * Output size per spatial dimension, exactly as cuDNN computes it:
 * {@code out = floor((in + 2·pad − dilation·(k − 1) − 1) / stride) + 1}.
 */
public record Conv2dParams(int strideH, int strideW, int padH, int padW,
                           int dilationH, int dilationW, int groups) {
    public Conv2dParams {
        if (strideH < 1 || strideW < 1)
            throw new IllegalArgumentException("conv2d: stride must be >= 1, got (" + strideH + ", " + strideW + ")");
        if (padH < 0 || padW < 0)
            throw new IllegalArgumentException("conv2d: padding must be >= 0, got (" + padH + ", " + padW + ")");
        if (dilationH < 1 || dilationW < 1)
            throw new IllegalArgumentException("conv2d: dilation must be >= 1, got (" + dilationH + ", " + dilationW + ")");
        if (groups < 1) throw new IllegalArgumentException("conv2d: groups must be >= 1, got " + groups);
    }

    /** Stride 1, no padding, no dilation, one group. */
    public static Conv2dParams defaults() {
        return new Conv2dParams(1, 1, 0, 0, 1, 1, 1);
    }

    /** Same stride and padding in both dimensions, no dilation, one group. */
    public static Conv2dParams of(int stride, int pad) {
        return new Conv2dParams(stride, stride, pad, pad, 1, 1, 1);
    }

    public Conv2dParams withGroups(int g) {
        return new Conv2dParams(strideH, strideW, padH, padW, dilationH, dilationW, g);
    }

    public Conv2dParams withDilation(int dh, int dw) {
        return new Conv2dParams(strideH, strideW, padH, padW, dh, dw, groups);
    }

    /** Output size of one spatial dimension (may be <= 0 for invalid geometry; ShapeRules rejects that). */
    public static int outputSize(int in, int kernel, int stride, int pad, int dilation) {
        return Math.floorDiv(in + 2 * pad - dilation * (kernel - 1) - 1, stride) + 1;
    }

    @Override
    public String toString() {
        return "stride(" + strideH + "," + strideW + ") pad(" + padH + "," + padW + ") dilation("
                + dilationH + "," + dilationW + ") groups=" + groups;
    }
}
