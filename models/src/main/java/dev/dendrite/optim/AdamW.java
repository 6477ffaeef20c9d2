package dev.dendrite.optim;

import dev.dendrite.Tensor;

import java.util.List;

/**
 * AdamW (Loshchilov &amp; Hutter, 2019): Adam with weight decay decoupled from the gradient, so
 * decay is not rescaled by the adaptive step size. With {@code t} the parameter's update count:
 * <pre>
 *   θ ← θ − lr·λ·θ                   (decay first, on the raw parameter)
 *   m ← β1·m + (1 − β1)·g          m̂ = m / (1 − β1ᵗ)
 *   v ← β2·v + (1 − β2)·g²         v̂ = v / (1 − β2ᵗ)
 *   θ ← θ − lr · m̂ / (√v̂ + ε)
 * </pre>
 * Defaults (PyTorch's): {@code lr = 1e-3}, {@code betas = (0.9, 0.999)}, {@code eps = 1e-8},
 * {@code weightDecay = 1e-2}. State: {@code exp_avg} (m), {@code exp_avg_sq} (v).
 */
public final class AdamW extends Optimizer {
    /** PyTorch's default learning rate. */
    public static final double DEFAULT_LR = 1e-3;
    /** PyTorch's default decoupled weight decay λ. */
    public static final double DEFAULT_WEIGHT_DECAY = 1e-2;

    private final double beta1;
    private final double beta2;
    private final double eps;

    /** AdamW with the default betas, ε and weight decay 1e-2. */
    public AdamW(List<Tensor> params, double lr) {
        this(builder(params).lr(lr));
    }

    /** AdamW with the default betas and ε and decoupled weight decay λ. */
    public AdamW(List<Tensor> params, double lr, double weightDecay) {
        this(builder(params).lr(lr).weightDecay(weightDecay));
    }

    private AdamW(Builder b) {
        super(b.params, b.lr, b.weightDecay, Adam.slots("AdamW", b.beta1, b.beta2, b.eps));
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
    }

    /** A builder with the defaults above. */
    public static Builder builder(List<Tensor> params) {
        return new Builder(params);
    }

    /** The β1. */
    public double beta1() {
        return beta1;
    }

    /** The β2. */
    public double beta2() {
        return beta2;
    }

    /** The ε. */
    public double eps() {
        return eps;
    }

    @Override
    protected void update(Tensor param, Tensor grad, Tensor[] state, long step) {
        double lr = learningRate();
        double decay = weightDecay() != 0 ? 1 - lr * weightDecay() : 1;
        if (Adam.fusedUpdate(param, grad, state[0], state[1], step, lr, beta1, beta2, eps, decay, 0)) return;
        if (weightDecay() != 0) param.mulInPlace(decay);
        Adam.adamUpdate(param, grad, state[0], state[1], step, lr, beta1, beta2, eps);
    }

    @Override
    String describeHyperparameters() {
        return ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps;
    }

    /** Settings for {@link AdamW}; see the class documentation for defaults. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private double beta1 = Adam.DEFAULT_BETA1;
        private double beta2 = Adam.DEFAULT_BETA2;
        private double eps = Adam.DEFAULT_EPS;

        private Builder(List<Tensor> params) {
            super(params, DEFAULT_LR, DEFAULT_WEIGHT_DECAY);
        }

        /** Decay rates of the first and second moment averages, each in [0, 1). */
        public Builder betas(double beta1, double beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /** ε added to √v̂, {@code >= 0}. */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        @Override
        public AdamW build() {
            return new AdamW(this);
        }
    }
}
