package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;

/**
 * Fully connected layer {@code y = x · Wᵀ + b} (Keras calls it Dense).
 * Input {@code [batch..., in]}, output {@code [batch..., out]}, weight {@code [out, in]}, bias {@code [out]}.
 * Default initialisation: Glorot uniform weight, zero bias (Keras's defaults).
 */
public class Linear extends Module {
    private final int in, out;

    public Linear(int in, int out) {
        this(in, out, true, DType.FLOAT32);
    }

    public Linear(int in, int out, boolean bias, DType dtype) {
        if (in < 1 || out < 1) throw new IllegalArgumentException("Linear: sizes must be >= 1, got in=" + in + " out=" + out);
        this.in = in;
        this.out = out;
        registerParameter("weight", Init.glorotUniform(Shape.of(out, in), dtype));
        registerParameter("bias", bias ? Init.zeros(Shape.of(out), dtype) : null);
    }

    @Override
    public Tensor forward(Tensor x) {
        return NN.linear(x, param("weight"), hasParam("bias") ? param("bias") : null);
    }

    @Override
    public String describe() {
        return "Linear(" + in + "→" + out + ")";
    }
}
