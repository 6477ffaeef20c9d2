package dev.dendrite.ops;

/**
 * 2-D pooling geometry (NCHW). Output size per dimension, as cuDNN (floor, no ceil mode):
 * {@code out = floor((in + 2·pad − kernel) / stride) + 1}. Padding must be smaller than the kernel
 * so that every window sees at least one input element.
 */
public record Pool2dParams(PoolMode mode, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
    public Pool2dParams {
        if (mode == null) throw new IllegalArgumentException("pool2d: mode is null");
        if (kernelH < 1 || kernelW < 1)
            throw new IllegalArgumentException("pool2d: kernel must be >= 1, got (" + kernelH + ", " + kernelW + ")");
        if (strideH < 1 || strideW < 1)
            throw new IllegalArgumentException("pool2d: stride must be >= 1, got (" + strideH + ", " + strideW + ")");
        if (padH < 0 || padW < 0)
            throw new IllegalArgumentException("pool2d: padding must be >= 0, got (" + padH + ", " + padW + ")");
        if (padH >= kernelH || padW >= kernelW)
            throw new IllegalArgumentException("pool2d: padding (" + padH + ", " + padW + ") must be smaller than the kernel ("
                    + kernelH + ", " + kernelW + ")");
    }

    /** Square window, stride and padding. */
    public static Pool2dParams of(PoolMode mode, int kernel, int stride, int pad) {
        return new Pool2dParams(mode, kernel, kernel, stride, stride, pad, pad);
    }

    public static int outputSize(int in, int kernel, int stride, int pad) {
        return Math.floorDiv(in + 2 * pad - kernel, stride) + 1;
    }

    @Override
    public String toString() {
        return mode + " kernel(" + kernelH + "," + kernelW + ") stride(" + strideH + "," + strideW + ") pad(" + padH + "," + padW + ")";
    }
}
