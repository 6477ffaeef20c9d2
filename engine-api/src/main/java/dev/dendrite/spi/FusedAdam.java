package dev.dendrite.spi;

/**
 * Optional backend capability: the whole Adam / AdamW update of one parameter in a single pass
 * over its four tensors, instead of about ten elementwise ops with their temporaries. The
 * optimizers in {@code models} use it when {@code param.backend() instanceof FusedAdam} and fall back
 * to the composite otherwise.
 *
 * <p>The result must be exactly the composite's: the sequence below evaluated elementwise, with
 * every intermediate rounded to the parameter's dtype at the marked points (⌊·⌉), scalars in double,
 * as the elementwise ops the composite is made of compute them. With {@code d} the gradient used:
 * <pre>
 *   θ ← ⌊θ · decay⌉                                    only when decay != 1 (AdamW's decoupled decay)
 *   d ← l2 == 0 ? g : ⌊⌊θ · l2⌉ + g⌉                  plain L2 (Adam's weight decay)
 *   m ← ⌊⌊m · β1⌉ + (1 − β1 == 1 ? d : ⌊d · (1 − β1)⌉)⌉
 *   v ← ⌊⌊v · β2⌉ + (1 − β2 == 1 ? ⌊d·d⌉ : ⌊⌊d·d⌉ · (1 − β2)⌉)⌉
 *   q ← ⌊m / ⌊⌊⌊√v⌉ / √bc2⌉ + ε⌉⌉                        bc2 = 1 − β2ᵗ
 *   θ ← ⌊θ + (step == 1 ? q : ⌊q · step⌉)⌉              step = −lr / (1 − β1ᵗ)
 * </pre>
 * A parity test checks an implementation against the composite bit for bit.
 */
public interface FusedAdam {
    /**
     * Hyperparameters of one update, with the per-step scalars already formed in double.
     *
     * @param decay  AdamW's {@code 1 − lr·wd}, or exactly 1 for none
     * @param l2     Adam's L2 coefficient, or 0 for none
     * @param beta1  first-moment decay
     * @param beta2  second-moment decay
     * @param sqrtBc2 {@code √(1 − β2ᵗ)}
     * @param eps    added to the bias-corrected √v
     * @param step   {@code −lr / (1 − β1ᵗ)}
     */
    record AdamStep(double decay, double l2, double beta1, double beta2, double sqrtBc2, double eps, double step) {
    }

    /**
     * Updates {@code param}, {@code expAvg} and {@code expAvgSq} in place from {@code grad}, as the
     * sequence in the class documentation. All four views are contiguous, of one shape and one
     * floating-point dtype, on this backend; grad is not modified.
     */
    void adamUpdate(View param, View grad, View expAvg, View expAvgSq, AdamStep s);
}
