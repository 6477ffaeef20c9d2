package dev.dendrite.nn;

import dev.dendrite.Tensor;

/** Elementwise activation layers (no parameters). */
public class Activation extends Module {
    /** Which function; parameterised ones read {@code alpha}. */
    public enum Kind { RELU, LEAKY_RELU, SIGMOID, TANH, ELU, GELU, SOFTPLUS }

    private final Kind kind;
    private final double alpha;

    public Activation(Kind kind, double alpha) {
        this.kind = kind;
        this.alpha = alpha;
    }

    public static Activation relu() { return new Activation(Kind.RELU, 0); }
    public static Activation leakyRelu(double slope) { return new Activation(Kind.LEAKY_RELU, slope); }
    public static Activation sigmoid() { return new Activation(Kind.SIGMOID, 0); }
    public static Activation tanh() { return new Activation(Kind.TANH, 0); }
    public static Activation elu(double alpha) { return new Activation(Kind.ELU, alpha); }
    public static Activation gelu() { return new Activation(Kind.GELU, 0); }
    public static Activation softplus() { return new Activation(Kind.SOFTPLUS, 0); }

    @Override
    public Tensor forward(Tensor x) {
        return switch (kind) {
            case RELU -> x.relu();
            case LEAKY_RELU -> x.leakyRelu(alpha);
            case SIGMOID -> x.sigmoid();
            case TANH -> x.tanh();
            case ELU -> x.elu(alpha);
            case GELU -> x.gelu();
            case SOFTPLUS -> x.softplus();
        };
    }

    @Override
    public String describe() {
        return switch (kind) {
            case RELU -> "ReLU";
            case LEAKY_RELU -> "LeakyReLU(" + alpha + ")";
            case SIGMOID -> "Sigmoid";
            case TANH -> "Tanh";
            case ELU -> "ELU(" + alpha + ")";
            case GELU -> "GELU";
            case SOFTPLUS -> "Softplus";
        };
    }
}
