package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.Tensor;

/**
 * Multi-head attention (Vaswani et al., 2017): {@code out(concat(head₁, …, head_h))} with
 * {@code headᵢ = attention(Q·W_qᵢ, K·W_kᵢ, V·W_vᵢ)} ({@link ScaledDotProductAttention}).
 * <p>
 * Inputs are batch-first: query {@code [batch..., Lq, E]}, key and value {@code [batch..., Lk, E]};
 * output {@code [batch..., Lq, E]}. The projections {@code qProj}, {@code kProj}, {@code vProj},
 * {@code outProj} are {@link Linear} {@code E → E}; heads are split by reshaping the projected
 * {@code [..., L, E]} to {@code [..., L, h, E/h]} and swapping to {@code [..., h, L, E/h]}, so head i
 * owns features {@code [i·E/h, (i+1)·E/h)}. An additive mask must broadcast to
 * {@code [batch..., h, Lq, Lk]} (a {@code [Lq, Lk]} mask applies to every batch and head).
 * Default initialisation: Glorot uniform projection weights, zero biases (as PyTorch's
 * {@code nn.MultiheadAttention}).
 */
public class MultiHeadAttention extends Module {
    private final int embedDim, numHeads;
    private final boolean causal;
    private final Linear qProj, kProj, vProj, outProj;

    /** Non-causal, with biases, FLOAT32. */
    public MultiHeadAttention(int embedDim, int numHeads) {
        this(embedDim, numHeads, false, DType.FLOAT32);
    }

    public MultiHeadAttention(int embedDim, int numHeads, boolean causal, DType dtype) {
        if (embedDim < 1 || numHeads < 1)
            throw new IllegalArgumentException("MultiHeadAttention: embedDim and numHeads must be >= 1, got " + embedDim + ", " + numHeads);
        if (embedDim % numHeads != 0)
            throw new IllegalArgumentException("MultiHeadAttention: embedDim " + embedDim + " is not divisible by numHeads " + numHeads);
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.causal = causal;
        this.qProj = registerModule("qProj", new Linear(embedDim, embedDim, true, dtype));
        this.kProj = registerModule("kProj", new Linear(embedDim, embedDim, true, dtype));
        this.vProj = registerModule("vProj", new Linear(embedDim, embedDim, true, dtype));
        this.outProj = registerModule("outProj", new Linear(embedDim, embedDim, true, dtype));
    }

    /** Self-attention: {@code forward(x, x, x)}, {@code x [batch..., L, E]}. */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, x, x, null);
    }

    public Tensor forward(Tensor query, Tensor key, Tensor value) {
        return forward(query, key, value, null);
    }

    /**
     * @param query {@code [batch..., Lq, E]}
     * @param key {@code [batch..., Lk, E]}
     * @param value {@code [batch..., Lk, E]}
     * @param mask additive, broadcastable to {@code [batch..., h, Lq, Lk]}, or null
     * @return {@code [batch..., Lq, E]}
     */
    public Tensor forward(Tensor query, Tensor key, Tensor value, Tensor mask) {
        for (Tensor t : new Tensor[]{query, key, value})
            if (t.rank() < 2 || t.dim(-1) != embedDim)
                throw new IllegalArgumentException("MultiHeadAttention: query, key and value must be [batch..., seq, " + embedDim + "], got query"
                        + query.shape() + " key" + key.shape() + " value" + value.shape());
        Tensor q = splitHeads(qProj.forward(query)), k = splitHeads(kProj.forward(key)), v = splitHeads(vProj.forward(value));
        Tensor o = ScaledDotProductAttention.attention(q, k, v, mask, causal);     // [..., h, Lq, E/h]
        int[] d = query.shape().toArray();
        return outProj.forward(o.transpose(-3, -2).reshape(d));
    }

    /** {@code [..., L, E] → [..., h, L, E/h]}. */
    private Tensor splitHeads(Tensor t) {
        int r = t.rank();
        int[] d = new int[r + 1];
        for (int i = 0; i < r - 1; i++) d[i] = t.dim(i);
        d[r - 1] = numHeads;
        d[r] = embedDim / numHeads;
        return t.reshape(d).transpose(-3, -2);
    }

    public int numHeads() {
        return numHeads;
    }

    @Override
    public String describe() {
        return "MultiHeadAttention(" + embedDim + ", " + numHeads + " heads" + (causal ? ", causal" : "") + ")";
    }
}
