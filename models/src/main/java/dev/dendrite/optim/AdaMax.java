package dev.dendrite.optim;

import dev.dendrite.Tensor;

import java.util.List;

/**
 * AdaMax (Kingma &amp; Ba, 2015, section 7.1): Adam with the second moment replaced by an
 * exponentially weighted infinity norm, which needs no bias correction. With {@code d = g + wd·θ}
 * and {@code t} the parameter's update count:
 * <pre>
 *   m ← β1·m + (1 − β1)·d
 *   u ← max(β2·u, |d|)
 *   θ ← θ − lr / (1 − β1ᵗ) · m / (u + ε)
 * </pre>
 * ε is added outside the max as in the paper; PyTorch puts it inside ({@code max(β2·u, |d| + ε)}),
 * which differs by at most ε in the denominator.
 * Defaults (PyTorch's): {@code lr = 2e-3}, {@code betas = (0.9, 0.999)}, {@code eps = 1e-8},
 * {@code weightDecay = 0}. State: {@code exp_avg} (m), {@code exp_inf} (u).
 */
public final class AdaMax extends Optimizer {
    /** PyTorch's default learning rate. */
    public static final double DEFAULT_LR = 2e-3;
    /** Name of the {@code exp_avg} state slot in {@link #stateDict()} keys. */
    public static final String EXP_AVG = "exp_avg";
    /** Name of the {@code exp_inf} state slot in {@link #stateDict()} keys. */
    public static final String EXP_INF = "exp_inf";

    private final double beta1;
    private final double beta2;
    private final double eps;

    /** AdaMax with the default betas and ε, no weight decay. */
    public AdaMax(List<Tensor> params, double lr) {
        this(builder(params).lr(lr));
    }

    private AdaMax(Builder b) {
        super(b.params, b.lr, b.weightDecay, slots(b));
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
    }

    private static List<String> slots(Builder b) {
        checkUnitInterval("AdaMax", "beta1", b.beta1, false);
        checkUnitInterval("AdaMax", "beta2", b.beta2, false);
        checkNonNegative("AdaMax", "eps", b.eps);
        return List.of(EXP_AVG, EXP_INF);
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
        Tensor d = withL2(param, grad);
        Tensor m = state[0], u = state[1];
        m.mulInPlace(beta1).addInPlace(d, 1 - beta1);
        u.copyFrom(u.mul(beta2).maximum(d.abs()));
        double bc1 = 1 - Math.pow(beta1, step);
        param.addInPlace(m.div(u.add(eps)), -learningRate() / bc1);
    }

    @Override
    String describeHyperparameters() {
        return ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps;
    }

    /** Settings for {@link AdaMax}; see the class documentation for defaults. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private double beta1 = Adam.DEFAULT_BETA1;
        private double beta2 = Adam.DEFAULT_BETA2;
        private double eps = Adam.DEFAULT_EPS;

        private Builder(List<Tensor> params) {
            super(params, DEFAULT_LR, 0);
        }

        /** Decay rates of the first moment and of the infinity norm, each in [0, 1). */
        public Builder betas(double beta1, double beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /** ε added to u, {@code >= 0}. */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        @Override
        public AdaMax build() {
            return new AdaMax(this);
        }
    }
}
