package dev.dendrite.optim;

import dev.dendrite.Tensor;

import java.util.List;

/**
 * Adadelta (Zeiler, 2012): step sizes from the ratio of running RMS of past updates and of
 * gradients, so the units of Δ match those of θ. With {@code d = g + wd·θ}:
 * <pre>
 *   E[g²] ← ρ·E[g²] + (1 − ρ)·d²
 *   Δ     ← √(E[Δ²] + ε) / √(E[g²] + ε) · d
 *   E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·Δ²
 *   θ     ← θ − lr·Δ
 * </pre>
 * Defaults (PyTorch's): {@code lr = 1.0}, {@code rho = 0.9}, {@code eps = 1e-6},
 * {@code weightDecay = 0}. State: {@code square_avg} (E[g²]) and {@code acc_delta} (E[Δ²]).
 */
public final class Adadelta extends Optimizer {
    /** PyTorch's default learning rate. */
    public static final double DEFAULT_LR = 1.0;
    /** PyTorch's default ρ. */
    public static final double DEFAULT_RHO = 0.9;
    /** PyTorch's default ε. */
    public static final double DEFAULT_EPS = 1e-6;
    /** Name of the {@code square_avg} state slot in {@link #stateDict()} keys. */
    public static final String SQUARE_AVG = "square_avg";
    /** Name of the {@code acc_delta} state slot in {@link #stateDict()} keys. */
    public static final String ACC_DELTA = "acc_delta";

    private final double rho;
    private final double eps;

    /** Adadelta with the default ρ and ε, no weight decay. */
    public Adadelta(List<Tensor> params, double lr) {
        this(builder(params).lr(lr));
    }

    private Adadelta(Builder b) {
        super(b.params, b.lr, b.weightDecay, slots(b));
        this.rho = b.rho;
        this.eps = b.eps;
    }

    private static List<String> slots(Builder b) {
        checkUnitInterval("Adadelta", "rho", b.rho, true);
        checkNonNegative("Adadelta", "eps", b.eps);
        return List.of(SQUARE_AVG, ACC_DELTA);
    }

    /** A builder with the defaults above. */
    public static Builder builder(List<Tensor> params) {
        return new Builder(params);
    }

    /** The ρ. */
    public double rho() {
        return rho;
    }

    /** The ε. */
    public double eps() {
        return eps;
    }

    @Override
    protected void update(Tensor param, Tensor grad, Tensor[] state, long step) {
        Tensor d = withL2(param, grad);
        Tensor squareAvg = state[0], accDelta = state[1];
        squareAvg.mulInPlace(rho).addInPlace(d.square(), 1 - rho);
        Tensor std = squareAvg.add(eps).sqrt();
        Tensor delta = accDelta.add(eps).sqrt().div(std).mul(d);
        accDelta.mulInPlace(rho).addInPlace(delta.square(), 1 - rho);
        param.addInPlace(delta, -learningRate());
    }

    @Override
    String describeHyperparameters() {
        return ", rho=" + rho + ", eps=" + eps;
    }

    /** Settings for {@link Adadelta}; see the class documentation for defaults. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private double rho = DEFAULT_RHO;
        private double eps = DEFAULT_EPS;

        private Builder(List<Tensor> params) {
            super(params, DEFAULT_LR, 0);
        }

        /** Decay ρ of both running averages, in [0, 1]. */
        public Builder rho(double rho) {
            this.rho = rho;
            return this;
        }

        /** ε inside both square roots, {@code >= 0}. */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        @Override
        public Adadelta build() {
            return new Adadelta(this);
        }
    }
}
