package dev.dendrite.optim;

import dev.dendrite.Tensor;

import java.util.List;

/**
 * Stochastic gradient descent with optional (Nesterov) momentum, in PyTorch's formulation
 * (dampening 0). With {@code d = g + wd·θ}:
 * <pre>
 *   momentum = 0:  θ ← θ − lr·d
 *   otherwise:     b ← μ·b + d              (b starts at 0, so the first step has b = d)
 *                  θ ← θ − lr·b             classical
 *                  θ ← θ − lr·(d + μ·b)     Nesterov
 * </pre>
 * Defaults (PyTorch's): {@code lr = 1e-3}, {@code momentum = 0}, {@code nesterov = false},
 * {@code weightDecay = 0}. State: {@code momentum_buffer} (only when momentum ≠ 0).
 */
public final class SGD extends Optimizer {
    /** PyTorch's default learning rate. */
    public static final double DEFAULT_LR = 1e-3;
    /** Name of the {@code momentum_buffer} state slot in {@link #stateDict()} keys. */
    public static final String MOMENTUM_BUFFER = "momentum_buffer";

    private final double momentum;
    private final boolean nesterov;

    /** Plain SGD, no momentum. */
    public SGD(List<Tensor> params, double lr) {
        this(builder(params).lr(lr));
    }

    /** Classical momentum {@code μ} (no Nesterov, no weight decay). */
    public SGD(List<Tensor> params, double lr, double momentum) {
        this(builder(params).lr(lr).momentum(momentum));
    }

    private SGD(Builder b) {
        super(b.params, b.lr, b.weightDecay, slots(b));
        this.momentum = b.momentum;
        this.nesterov = b.nesterov;
    }

    /** Checks the SGD-specific settings before the base class checks the rest. */
    private static List<String> slots(Builder b) {
        checkNonNegative("SGD", "momentum", b.momentum);
        if (b.nesterov && b.momentum == 0)
            throw new IllegalArgumentException("SGD: Nesterov momentum needs momentum > 0, got momentum = 0");
        return b.momentum == 0 ? noSlots() : List.of(MOMENTUM_BUFFER);
    }

    /** A builder with the defaults above. */
    public static Builder builder(List<Tensor> params) {
        return new Builder(params);
    }

    /** The momentum factor μ. */
    public double momentum() {
        return momentum;
    }

    /** True when the update uses Nesterov momentum. */
    public boolean isNesterov() {
        return nesterov;
    }

    @Override
    protected void update(Tensor param, Tensor grad, Tensor[] state, long step) {
        Tensor d = withL2(param, grad);
        double lr = learningRate();
        if (momentum == 0) {
            param.addInPlace(d, -lr);
            return;
        }
        Tensor b = state[0];
        b.mulInPlace(momentum).addInPlace(d);
        if (nesterov) {
            Tensor look = b.mul(momentum);   // d + μ·b, then one scaled subtraction as PyTorch does
            look.addInPlace(d);
            param.addInPlace(look, -lr);
        } else {
            param.addInPlace(b, -lr);
        }
    }

    @Override
    String describeHyperparameters() {
        return ", momentum=" + momentum + ", nesterov=" + nesterov;
    }

    /** Settings for {@link SGD}; see the class documentation for defaults. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private double momentum;
        private boolean nesterov;

        private Builder(List<Tensor> params) {
            super(params, DEFAULT_LR, 0);
        }

        /** Momentum factor μ, {@code >= 0} (default 0). */
        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        /** Nesterov momentum (default false); needs momentum &gt; 0. */
        public Builder nesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        @Override
        public SGD build() {
            return new SGD(this);
        }
    }

}
