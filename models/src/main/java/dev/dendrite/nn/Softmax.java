package dev.dendrite.nn;

import dev.dendrite.Tensor;

/**
 * Softmax along one axis: {@code yᵢ = e^(xᵢ − max x) / Σⱼ e^(xⱼ − max x)}. Input and output have the
 * same shape; the values along {@code axis} sum to 1. Default axis −1. No parameters.
 */
public class Softmax extends Module {
    private final int axis;

    public Softmax() {
        this(-1);
    }

    public Softmax(int axis) {
        this.axis = axis;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.softmax(axis);
    }

    @Override
    public String describe() {
        return "Softmax(axis " + axis + ")";
    }
}
