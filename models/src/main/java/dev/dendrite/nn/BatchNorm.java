package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.ops.BatchNormParams;

/**
 * Batch normalisation over the channel axis of {@code [N, C]} (BatchNorm1d) or {@code [N, C, H, W]}
 * (BatchNorm2d). Parameters γ (init 1) and β (init 0); buffers running mean (0) and running
 * variance (1). Conventions in {@link BatchNormParams}: momentum 0.1, ε = 1e-5, unbiased running variance.
 */
public class BatchNorm extends Module {
    private final int channels;
    private final BatchNormParams params;

    public BatchNorm(int channels) {
        this(channels, BatchNormParams.defaults(), DType.FLOAT32);
    }

    public BatchNorm(int channels, BatchNormParams params, DType dtype) {
        if (channels < 1) throw new IllegalArgumentException("BatchNorm: channels must be >= 1, got " + channels);
        this.channels = channels;
        this.params = params;
        registerParameter("weight", Init.constant(Shape.of(channels), 1, dtype));
        registerParameter("bias", Init.zeros(Shape.of(channels), dtype));
        registerBuffer("runningMean", Init.zeros(Shape.of(channels), dtype));
        registerBuffer("runningVar", Init.constant(Shape.of(channels), 1, dtype));
    }

    @Override
    public Tensor forward(Tensor x) {
        return NN.batchNorm(x, param("weight"), param("bias"), buffer("runningMean"), buffer("runningVar"), isTraining(), params);
    }

    @Override
    public String describe() {
        return "BatchNorm(" + channels + ")";
    }
}
