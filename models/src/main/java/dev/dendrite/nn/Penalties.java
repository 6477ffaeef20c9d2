package dev.dendrite.nn;

import dev.dendrite.Tensor;

import java.util.List;

/**
 * Weight penalties to add to a loss, Keras's convention: {@code l1 = λ·Σ|θ|}, {@code l2 = λ·Σθ²}
 * over every element of every given tensor. Their gradients are {@code λ·sign(θ)} and {@code 2λ·θ}.
 * (An optimizer's {@code weightDecay} is the other way to get L2: it adds {@code wd·θ} to the gradient,
 * which equals this penalty with λ = wd/2.)
 */
public final class Penalties {
    private Penalties() {
    }

    /** {@code λ·Σ|θ|} as a scalar tensor (differentiable). */
    public static Tensor l1(List<Tensor> params, double lambda) {
        return sumOver(params, true).mul(lambda);
    }

    /** {@code λ·Σθ²} as a scalar tensor (differentiable). */
    public static Tensor l2(List<Tensor> params, double lambda) {
        return sumOver(params, false).mul(lambda);
    }

    private static Tensor sumOver(List<Tensor> params, boolean absolute) {
        if (params.isEmpty()) throw new IllegalArgumentException("penalty: no tensors given");
        Tensor total = null;
        for (Tensor p : params) {
            Tensor s = (absolute ? p.abs() : p.square()).sum();
            total = total == null ? s : total.add(s);
        }
        return total;
    }
}
