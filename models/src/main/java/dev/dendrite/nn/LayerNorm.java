package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;

import java.util.Arrays;

/**
 * Layer normalisation (Ba et al., 2016) over the trailing dimensions given by
 * {@code normalizedShape}: for every leading index, with μ and σ² the mean and biased variance of
 * those trailing elements, {@code y = (x − μ)/√(σ² + ε) · γ + β}. Unlike batch norm the statistics
 * are per sample, so training and inference compute the same thing and there are no running
 * statistics. Input and output {@code [..., normalizedShape...]}; γ and β have shape
 * {@code normalizedShape}. Default ε = 1e-5; γ initialised to 1 and β to 0 (PyTorch's defaults).
 * Composed from tensor ops (mean, square, rsqrt), so autograd derives the backward pass.
 */
public class LayerNorm extends Module {
    private final int[] normalizedShape;
    private final double eps;

    /** Normalises over the last {@code normalizedShape.length} dimensions, ε = 1e-5, affine, FLOAT32. */
    public LayerNorm(int... normalizedShape) {
        this(Shape.of(normalizedShape), 1e-5, true, DType.FLOAT32);
    }

    /**
     * @param elementwiseAffine whether to learn γ and β (without them the layer only normalises)
     */
    public LayerNorm(Shape normalizedShape, double eps, boolean elementwiseAffine, DType dtype) {
        if (normalizedShape.rank() == 0 || normalizedShape.numel() == 0)
            throw new IllegalArgumentException("LayerNorm: normalizedShape must have at least one dimension and element, got " + normalizedShape);
        if (!(eps > 0)) throw new IllegalArgumentException("LayerNorm: eps must be > 0, got " + eps);
        this.normalizedShape = normalizedShape.toArray();
        this.eps = eps;
        registerParameter("weight", elementwiseAffine ? Init.constant(normalizedShape, 1, dtype) : null);
        registerParameter("bias", elementwiseAffine ? Init.zeros(normalizedShape, dtype) : null);
    }

    /**
     * @param x {@code [..., normalizedShape...]}
     * @return the same shape
     */
    @Override
    public Tensor forward(Tensor x) {
        int k = normalizedShape.length;
        boolean matches = x.rank() >= k;
        for (int i = 0; matches && i < k; i++) matches = x.dim(x.rank() - k + i) == normalizedShape[i];
        if (!matches)
            throw new IllegalArgumentException("LayerNorm: input " + x.shape() + " must end with the normalized shape "
                    + Arrays.toString(normalizedShape));
        int[] axes = new int[k];
        for (int i = 0; i < k; i++) axes[i] = x.rank() - k + i;
        Tensor centered = x.sub(x.mean(axes, true));
        Tensor variance = centered.square().mean(axes, true);   // biased, as in the paper and PyTorch
        Tensor y = centered.mul(variance.add(eps).rsqrt());
        return hasParam("weight") ? y.mul(param("weight")).add(param("bias")) : y;
    }

    @Override
    public String describe() {
        return "LayerNorm(" + Arrays.toString(normalizedShape) + ")";
    }
}
