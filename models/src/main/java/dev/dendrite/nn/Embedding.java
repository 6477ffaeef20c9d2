package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.NN;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;

/**
 * A lookup table: row {@code i} of the weight {@code [numEmbeddings, dim]} is the vector of token
 * {@code i}. Input: INT32 or INT64 indices of any shape {@code [...]} in {@code [0, numEmbeddings)};
 * output {@code [..., dim]}. The weight's gradient scatter-adds the output gradient into the rows
 * that were looked up, so a token repeated in a batch receives the sum of its gradients.
 * Default initialisation: {@code N(0, 1)}, as PyTorch's {@code nn.Embedding}.
 */
public class Embedding extends Module {
    private final int numEmbeddings, dim;

    public Embedding(int numEmbeddings, int dim) {
        this(numEmbeddings, dim, DType.FLOAT32);
    }

    public Embedding(int numEmbeddings, int dim, DType dtype) {
        if (numEmbeddings < 1 || dim < 1)
            throw new IllegalArgumentException("Embedding: sizes must be >= 1, got numEmbeddings=" + numEmbeddings + " dim=" + dim);
        this.numEmbeddings = numEmbeddings;
        this.dim = dim;
        registerParameter("weight", Tensor.randn(Shape.of(numEmbeddings, dim), Init.currentSeed(), Init.nextStream(), 0, 1, dtype, null));
    }

    /**
     * @param indices INT32/INT64 {@code [...]} with values in {@code [0, numEmbeddings)}
     * @return {@code [..., dim]}
     */
    @Override
    public Tensor forward(Tensor indices) {
        return NN.embedding(param("weight"), indices);
    }

    @Override
    public String describe() {
        return "Embedding(" + numEmbeddings + ", " + dim + ")";
    }
}
