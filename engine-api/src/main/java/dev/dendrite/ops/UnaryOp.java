package dev.dendrite.ops;

/**
 * Elementwise functions of one operand. Parameterised ones read {@code alpha} (and {@code beta})
 * from the call: {@code LEAKY_RELU} slope alpha, {@code ELU} alpha, {@code CLAMP} range [alpha, beta].
 * {@code GELU} is the exact form {@code x·Φ(x)} with Φ the standard normal CDF.
 * {@code SOFTPLUS} is {@code log(1 + e^x)}, computed without overflow.
 */
public enum UnaryOp {
    NEG, ABS, EXP, LOG, SQRT, RSQRT, SQUARE, RECIPROCAL,
    RELU, LEAKY_RELU, SIGMOID, TANH, ELU, GELU, SOFTPLUS, SIGN, CLAMP;

    /** Lower-camel name as used by the Tensor method ({@code leakyRelu}). */
    public String opName() {
        String[] parts = name().toLowerCase(java.util.Locale.ROOT).split("_");
        StringBuilder sb = new StringBuilder(parts[0]);
        for (int i = 1; i < parts.length; i++) sb.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
        return sb.toString();
    }
}
