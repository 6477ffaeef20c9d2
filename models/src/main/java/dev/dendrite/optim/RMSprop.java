package dev.dendrite.optim;

import dev.dendrite.Tensor;

import java.util.List;

/**
 * RMSprop (Hinton, Coursera lecture 6e): divides the gradient by a running RMS of recent
 * gradients. With {@code d = g + wd·θ}:
 * <pre>
 *   v ← α·v + (1 − α)·d²
 *   momentum = 0:  θ ← θ − lr · d / (√v + ε)
 *   otherwise:     b ← μ·b + d / (√v + ε);   θ ← θ − lr·b
 * </pre>
 * Defaults (PyTorch's): {@code lr = 1e-2}, {@code alpha = 0.99}, {@code eps = 1e-8},
 * {@code momentum = 0}, {@code weightDecay = 0}. PyTorch's {@code centered} variant is not offered.
 * State: {@code square_avg} (v), and {@code momentum_buffer} (b) when momentum ≠ 0.
 */
public final class RMSprop extends Optimizer {
    /** PyTorch's default learning rate. */
    public static final double DEFAULT_LR = 1e-2;
    /** PyTorch's default α. */
    public static final double DEFAULT_ALPHA = 0.99;
    /** PyTorch's default ε. */
    public static final double DEFAULT_EPS = 1e-8;
    /** Name of the {@code square_avg} state slot in {@link #stateDict()} keys. */
    public static final String SQUARE_AVG = "square_avg";
    /** Name of the {@code momentum_buffer} state slot in {@link #stateDict()} keys. */
    public static final String MOMENTUM_BUFFER = "momentum_buffer";

    private final double alpha;
    private final double eps;
    private final double momentum;

    /** RMSprop with the default α and ε, no momentum, no weight decay. */
    public RMSprop(List<Tensor> params, double lr) {
        this(builder(params).lr(lr));
    }

    private RMSprop(Builder b) {
        super(b.params, b.lr, b.weightDecay, slots(b));
        this.alpha = b.alpha;
        this.eps = b.eps;
        this.momentum = b.momentum;
    }

    private static List<String> slots(Builder b) {
        checkUnitInterval("RMSprop", "alpha", b.alpha, true);
        checkNonNegative("RMSprop", "eps", b.eps);
        checkNonNegative("RMSprop", "momentum", b.momentum);
        return b.momentum == 0 ? List.of(SQUARE_AVG) : List.of(SQUARE_AVG, MOMENTUM_BUFFER);
    }

    /** A builder with the defaults above. */
    public static Builder builder(List<Tensor> params) {
        return new Builder(params);
    }

    /** The α. */
    public double alpha() {
        return alpha;
    }

    /** The ε. */
    public double eps() {
        return eps;
    }

    /** The momentum factor μ. */
    public double momentum() {
        return momentum;
    }

    @Override
    protected void update(Tensor param, Tensor grad, Tensor[] state, long step) {
        Tensor d = withL2(param, grad);
        Tensor v = state[0];
        v.mulInPlace(alpha).addInPlace(d.square(), 1 - alpha);
        Tensor scaled = d.div(v.sqrt().add(eps));
        if (momentum == 0) {
            param.addInPlace(scaled, -learningRate());
        } else {
            Tensor b = state[1];
            b.mulInPlace(momentum).addInPlace(scaled);
            param.addInPlace(b, -learningRate());
        }
    }

    @Override
    String describeHyperparameters() {
        return ", alpha=" + alpha + ", eps=" + eps + ", momentum=" + momentum;
    }

    /** Settings for {@link RMSprop}; see the class documentation for defaults. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private double alpha = DEFAULT_ALPHA;
        private double eps = DEFAULT_EPS;
        private double momentum;

        private Builder(List<Tensor> params) {
            super(params, DEFAULT_LR, 0);
        }

        /** Decay α of the squared-gradient average, in [0, 1]. */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** ε added to √v, {@code >= 0}. */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        /** Momentum factor μ, {@code >= 0} (default 0). */
        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        @Override
        public RMSprop build() {
            return new RMSprop(this);
        }
    }
}
