package dev.dendrite.ops;

/**
 * Activations that have a standalone backward primitive (cuDNN's activation set plus leaky ReLU and
 * ELU and exact GELU). The backward rule of each reads what it needs: RELU/LEAKY_RELU/ELU/GELU the input x
 * (GELU: {@code Φ(x) + x·φ(x)}),
 * SIGMOID/TANH the output y.
 */
public enum ActivationOp { RELU, LEAKY_RELU, SIGMOID, TANH, ELU, GELU }
