package dev.dendrite.optim;

import dev.dendrite.Tensor;

import java.util.List;

/**
 * Adagrad (Duchi, Hazan &amp; Singer, 2011): per-element step sizes that shrink with the sum of past
 * squared gradients. With {@code d = g + wd·θ}:
 * <pre>
 *   s ← s + d²                    (s starts at initialAccumulatorValue)
 *   θ ← θ − lr · d / (√s + ε)
 * </pre>
 * Defaults (PyTorch's): {@code lr = 1e-2}, {@code eps = 1e-10}, {@code initialAccumulatorValue = 0},
 * {@code weightDecay = 0}. PyTorch's {@code lr_decay} is not offered (use an {@link LrSchedule}).
 * State: {@code sum}.
 */
public final class Adagrad extends Optimizer {
    /** PyTorch's default learning rate. */
    public static final double DEFAULT_LR = 1e-2;
    /** PyTorch's default ε. */
    public static final double DEFAULT_EPS = 1e-10;
    /** Name of the {@code sum} state slot in {@link #stateDict()} keys. */
    public static final String SUM = "sum";

    private final double eps;
    private final double initialAccumulatorValue;

    /** Adagrad with the default ε and no weight decay. */
    public Adagrad(List<Tensor> params, double lr) {
        this(builder(params).lr(lr));
    }

    private Adagrad(Builder b) {
        super(b.params, b.lr, b.weightDecay, slots(b));
        this.eps = b.eps;
        this.initialAccumulatorValue = b.initialAccumulatorValue;
    }

    private static List<String> slots(Builder b) {
        checkNonNegative("Adagrad", "eps", b.eps);
        checkNonNegative("Adagrad", "initialAccumulatorValue", b.initialAccumulatorValue);
        return List.of(SUM);
    }

    /** A builder with the defaults above. */
    public static Builder builder(List<Tensor> params) {
        return new Builder(params);
    }

    /** The ε. */
    public double eps() {
        return eps;
    }

    @Override
    protected double initialStateValue(int slot) {
        return initialAccumulatorValue;
    }

    @Override
    protected void update(Tensor param, Tensor grad, Tensor[] state, long step) {
        Tensor d = withL2(param, grad);
        Tensor sum = state[0];
        sum.addInPlace(d.square());
        Tensor denom = sum.sqrt().add(eps);
        param.addInPlace(d.div(denom), -learningRate());
    }

    @Override
    String describeHyperparameters() {
        return ", eps=" + eps + ", initialAccumulatorValue=" + initialAccumulatorValue;
    }

    /** Settings for {@link Adagrad}; see the class documentation for defaults. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private double eps = DEFAULT_EPS;
        private double initialAccumulatorValue;

        private Builder(List<Tensor> params) {
            super(params, DEFAULT_LR, 0);
        }

        /** ε added to √s, {@code >= 0}. */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        /** Starting value of the squared-gradient sum, {@code >= 0}. */
        public Builder initialAccumulatorValue(double value) {
            this.initialAccumulatorValue = value;
            return this;
        }

        @Override
        public Adagrad build() {
            return new Adagrad(this);
        }
    }
}
