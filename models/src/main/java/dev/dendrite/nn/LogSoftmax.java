package dev.dendrite.nn;

import dev.dendrite.Tensor;

/**
 * Log-softmax along one axis: {@code yᵢ = xᵢ − max x − log Σⱼ e^(xⱼ − max x)}, more accurate than
 * {@code log(softmax(x))} for very negative log-probabilities. Input and output have the same shape.
 * Default axis −1. No parameters.
 */
public class LogSoftmax extends Module {
    private final int axis;

    public LogSoftmax() {
        this(-1);
    }

    public LogSoftmax(int axis) {
        this.axis = axis;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.logSoftmax(axis);
    }

    @Override
    public String describe() {
        return "LogSoftmax(axis " + axis + ")";
    }
}
