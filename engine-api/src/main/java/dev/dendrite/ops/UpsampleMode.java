package dev.dendrite.ops;

/**
 * 2× upsampling of NCHW images. {@code BILINEAR} uses half-pixel centres without corner alignment
 * (PyTorch's {@code align_corners=False}): source coordinate {@code (dst + 0.5)/2 − 0.5}, clamped at 0.
 */
public enum UpsampleMode { NEAREST, BILINEAR }
