package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.ShapeRules;
import dev.dendrite.Tensor;

import java.util.Arrays;

/**
 * Scaled dot-product attention (Vaswani et al., 2017):
 * {@code softmax(Q·Kᵀ/√d + M)·V}, the softmax taken over the key axis.
 * <ul>
 *   <li>Q {@code [batch..., Lq, d]}, K {@code [batch..., Lk, d]}, V {@code [batch..., Lk, dv]};
 *       batch dimensions broadcast as in {@link Tensor#matmul}</li>
 *   <li>M: an optional additive mask broadcastable to the scores {@code [batch..., Lq, Lk]}
 *       (0 keeps a position, −∞ removes it; any finite value biases it)</li>
 *   <li>causal: query i may attend only to keys {@code j ≤ i} (−∞ above the diagonal, aligned at
 *       the top-left corner as in PyTorch when Lq ≠ Lk); combines with M</li>
 *   <li>output {@code [batch..., Lq, dv]}</li>
 * </ul>
 * A query whose every key is masked with −∞ gets NaN, as in PyTorch. No parameters; composed from
 * matmul, softmax and elementwise ops, so autograd derives the backward pass.
 */
public class ScaledDotProductAttention extends Module {
    private final boolean causal;

    /** Attention without a causal mask. */
    public ScaledDotProductAttention() {
        this(false);
    }

    public ScaledDotProductAttention(boolean causal) {
        this.causal = causal;
    }

    /** Self-attention: {@code forward(x, x, x)}. */
    @Override
    public Tensor forward(Tensor x) {
        return attention(x, x, x, null, causal);
    }

    /** {@code softmax(Q·Kᵀ/√d)·V}, with this layer's causal setting. */
    public Tensor forward(Tensor q, Tensor k, Tensor v) {
        return attention(q, k, v, null, causal);
    }

    /** {@code softmax(Q·Kᵀ/√d + mask)·V}, with this layer's causal setting; mask may be null. */
    public Tensor forward(Tensor q, Tensor k, Tensor v, Tensor mask) {
        return attention(q, k, v, mask, causal);
    }

    /**
     * The attention function itself (see the class comment for shapes).
     * @param mask additive mask broadcastable to {@code [batch..., Lq, Lk]}, or null
     * @param causal whether to add the causal (lower-triangular) mask
     * @return {@code [batch..., Lq, dv]}
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal) {
        String op = "scaledDotProductAttention";
        for (Tensor t : new Tensor[]{q, k, v})
            if (t.rank() < 2)
                throw new IllegalArgumentException(op + ": q, k, v must be [batch..., seq, features], got q" + q.shape() + " k" + k.shape()
                        + " v" + v.shape());
        if (q.dim(-1) != k.dim(-1))
            throw new IllegalArgumentException(op + ": query q" + q.shape() + " and key k" + k.shape() + " feature sizes differ ("
                    + q.dim(-1) + " vs " + k.dim(-1) + ")");
        if (k.dim(-2) != v.dim(-2))
            throw new IllegalArgumentException(op + ": key k" + k.shape() + " and value v" + v.shape() + " sequence lengths differ ("
                    + k.dim(-2) + " vs " + v.dim(-2) + ")");
        ShapeRules.floatingPoint(op, q);
        ShapeRules.sameDTypeAndDevice(op, q, k);
        ShapeRules.sameDTypeAndDevice(op, q, v);
        Tensor scores = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(q.dim(-1)));
        if (mask != null) {
            ShapeRules.sameDTypeAndDevice(op, q, mask);
            if (!broadcastsTo(mask.shape(), scores.shape()))
                throw new IllegalArgumentException(op + ": mask " + mask.shape() + " does not broadcast to the scores " + scores.shape()
                        + " = [batch..., Lq, Lk] of q" + q.shape() + " k" + k.shape());
            scores = scores.add(mask);
        }
        if (causal) scores = scores.add(causalMask(q.dim(-2), k.dim(-2), q));
        return scores.softmax(-1).matmul(v);
    }

    /** Whether {@code from} expands to {@code to} (trailing dimensions equal or 1, no more dimensions than {@code to}). */
    private static boolean broadcastsTo(Shape from, Shape to) {
        if (from.rank() > to.rank()) return false;
        for (int i = 1; i <= from.rank(); i++)
            if (from.dim(-i) != 1 && from.dim(-i) != to.dim(-i)) return false;
        return true;
    }

    /** {@code [Lq, Lk]}: 0 where key j ≤ query i, −∞ above the diagonal; like {@code like}'s dtype and device. */
    public static Tensor causalMask(int lq, int lk, Tensor like) {
        double[] m = new double[lq * lk];
        for (int i = 0; i < lq; i++) Arrays.fill(m, i * lk + Math.min(i + 1, lk), (i + 1) * lk, Double.NEGATIVE_INFINITY);
        Tensor mask = Tensor.fromArray(m, Shape.of(lq, lk), like.device());
        return like.dtype() == DType.FLOAT64 ? mask : mask.to(like.dtype());
    }

    public boolean isCausal() {
        return causal;
    }

    @Override
    public String describe() {
        return "ScaledDotProductAttention" + (causal ? "(causal)" : "");
    }
}
