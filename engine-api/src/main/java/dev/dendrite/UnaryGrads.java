package dev.dendrite;

import dev.dendrite.ops.ActivationOp;
import dev.dendrite.ops.UnaryOp;

/** Backward rules of the elementwise unary ops, in terms of tensor ops and backend primitives. */
final class UnaryGrads {
    private UnaryGrads() {
    }

    static Tensor grad(UnaryOp op, Tensor x, Tensor y, Tensor g, double alpha, double beta) {
        return switch (op) {
            case NEG -> g.neg();
            case ABS -> g.mul(x.sign());
            case EXP -> g.mul(y);
            case LOG -> g.div(x);
            case SQRT -> g.mul(0.5).div(y);
            case RSQRT -> g.mul(y.square().mul(y)).mul(-0.5);
            case SQUARE -> g.mul(x).mul(2);
            case RECIPROCAL -> g.mul(y.square()).neg();
            case RELU -> Tensor.activationBackward(ActivationOp.RELU, x, y, g, 0);
            case LEAKY_RELU -> Tensor.activationBackward(ActivationOp.LEAKY_RELU, x, y, g, alpha);
            case SIGMOID -> Tensor.activationBackward(ActivationOp.SIGMOID, x, y, g, 0);
            case TANH -> Tensor.activationBackward(ActivationOp.TANH, x, y, g, 0);
            case ELU -> Tensor.activationBackward(ActivationOp.ELU, x, y, g, alpha);
            case GELU -> Tensor.activationBackward(ActivationOp.GELU, x, y, g, 0);
            case SOFTPLUS -> g.mul(x.sigmoid());
            case SIGN -> Tensor.zeros(x.shape(), x.dtype(), x.device());
            case CLAMP -> g.mul(x.ge(alpha).mul(x.le(beta)));
        };
    }
}
