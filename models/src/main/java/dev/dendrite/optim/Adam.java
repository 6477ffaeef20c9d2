package dev.dendrite.optim;

import dev.dendrite.Tensor;
import dev.dendrite.spi.FusedAdam;

import java.util.List;

/**
 * Adam (Kingma &amp; Ba, 2015): momentum on the gradient and on its square, both bias-corrected.
 * With {@code d = g + wd·θ} (plain L2; see {@link AdamW} for decoupled decay) and {@code t} the
 * parameter's update count (1 on the first update):
 * <pre>
 *   m ← β1·m + (1 − β1)·d          m̂ = m / (1 − β1ᵗ)
 *   v ← β2·v + (1 − β2)·d²         v̂ = v / (1 − β2ᵗ)
 *   θ ← θ − lr · m̂ / (√v̂ + ε)
 * </pre>
 * Defaults (PyTorch's): {@code lr = 1e-3}, {@code betas = (0.9, 0.999)}, {@code eps = 1e-8},
 * {@code weightDecay = 0}. AMSGrad is not offered. State: {@code exp_avg} (m), {@code exp_avg_sq} (v).
 */
public final class Adam extends Optimizer {
    /** PyTorch's default learning rate. */
    public static final double DEFAULT_LR = 1e-3;
    /** PyTorch's default β1. */
    public static final double DEFAULT_BETA1 = 0.9;
    /** PyTorch's default β2. */
    public static final double DEFAULT_BETA2 = 0.999;
    /** PyTorch's default ε. */
    public static final double DEFAULT_EPS = 1e-8;
    /** Name of the {@code exp_avg} state slot in {@link #stateDict()} keys. */
    public static final String EXP_AVG = "exp_avg";
    /** Name of the {@code exp_avg_sq} state slot in {@link #stateDict()} keys. */
    public static final String EXP_AVG_SQ = "exp_avg_sq";

    private final double beta1;
    private final double beta2;
    private final double eps;

    /** Adam with the default betas and ε, no weight decay. */
    public Adam(List<Tensor> params, double lr) {
        this(builder(params).lr(lr));
    }

    private Adam(Builder b) {
        super(b.params, b.lr, b.weightDecay, slots("Adam", b.beta1, b.beta2, b.eps));
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
    }

    static List<String> slots(String op, double beta1, double beta2, double eps) {
        checkUnitInterval(op, "beta1", beta1, false);
        checkUnitInterval(op, "beta2", beta2, false);
        checkNonNegative(op, "eps", eps);
        return List.of(EXP_AVG, EXP_AVG_SQ);
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
        if (fusedUpdate(param, grad, state[0], state[1], step, learningRate(), beta1, beta2, eps, 1, weightDecay())) return;
        adamUpdate(param, withL2(param, grad), state[0], state[1], step, learningRate(), beta1, beta2, eps);
    }

    // Note [Fused Adam]: the composite below is about ten elementwise ops per parameter, each a pass
    // over memory with a temporary tensor; for LeNet-5's 61,706 parameters that was a tenth of a
    // training step. A backend implementing the FusedAdam capability does the whole update in one
    // pass with exactly the composite's rounding (see FusedAdam), which OptimizerUpdateTest checks
    // bit for bit against the composite with the fused path switched off.

    /** Tests set this to false to run the composite (Note [Fused Adam]). */
    static volatile boolean fusedEnabled = true;

    /**
     * The Adam update (after AdamW's decoupled {@code θ ← θ·decay} when {@code decay != 1}, with plain L2
     * {@code l2} on the gradient) in one backend call, when the backend offers {@link FusedAdam} and
     * every tensor is contiguous; false, having done nothing, otherwise. Note [Fused Adam].
     */
    static boolean fusedUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, long t, double lr, double beta1, double beta2,
                               double eps, double decay, double l2) {
        if (!fusedEnabled || !(param.backend() instanceof FusedAdam fused) || grad.backend() != param.backend()
                || !param.isContiguous() || !grad.isContiguous() || !m.isContiguous() || !v.isContiguous())
            return false;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        fused.adamUpdate(param.view(), grad.view(), m.view(), v.view(),
                new FusedAdam.AdamStep(decay, l2, beta1, beta2, Math.sqrt(bc2), eps, -lr / bc1));
        return true;
    }

    /** The bias-corrected Adam update of {@code param} from gradient {@code d}; shared with {@link AdamW}. */
    static void adamUpdate(Tensor param, Tensor d, Tensor m, Tensor v, long t, double lr, double beta1, double beta2, double eps) {
        m.mulInPlace(beta1).addInPlace(d, 1 - beta1);
        v.mulInPlace(beta2).addInPlace(d.square(), 1 - beta2);
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        // √v̂ + ε = √v / √bc2 + ε, and lr·m̂ = (lr / bc1)·m: two scalar factors instead of two
        // extra full-size tensors m̂ and v̂ (PyTorch's arrangement too).
        Tensor denom = v.sqrt().div(Math.sqrt(bc2)).add(eps);
        param.addInPlace(m.div(denom), -lr / bc1);
    }

    @Override
    String describeHyperparameters() {
        return ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps;
    }

    /** Settings for {@link Adam}; see the class documentation for defaults. */
    public static final class Builder extends Optimizer.Builder<Builder> {
        private double beta1 = DEFAULT_BETA1;
        private double beta2 = DEFAULT_BETA2;
        private double eps = DEFAULT_EPS;

        private Builder(List<Tensor> params) {
            super(params, DEFAULT_LR, 0);
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
        public Adam build() {
            return new Adam(this);
        }
    }
}
