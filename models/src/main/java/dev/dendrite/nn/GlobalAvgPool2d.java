package dev.dendrite.nn;

import dev.dendrite.NN;
import dev.dendrite.Tensor;

/**
 * Global average pooling: the mean of each channel over H and W,
 * {@code y[n, c] = (1/HW)·Σᵢⱼ x[n, c, i, j]}. Input {@code [N, C, H, W]}; output {@code [N, C, 1, 1]}
 * (PyTorch's {@code AdaptiveAvgPool2d(1)}), or {@code [N, C]} when built with {@link #flattening()}
 * (Keras's GlobalAveragePooling2D). No parameters.
 */
public class GlobalAvgPool2d extends Module {
    private final boolean flatten;

    /** Output {@code [N, C, 1, 1]}. */
    public GlobalAvgPool2d() {
        this(false);
    }

    private GlobalAvgPool2d(boolean flatten) {
        this.flatten = flatten;
    }

    /** A pooling layer whose output is {@code [N, C]}, ready for a {@link Linear} classifier. */
    public static GlobalAvgPool2d flattening() {
        return new GlobalAvgPool2d(true);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = NN.globalAvgPool2d(x);
        return flatten ? y.reshape(x.dim(0), x.dim(1)) : y;
    }

    @Override
    public String describe() {
        return "GlobalAvgPool2d";
    }
}
