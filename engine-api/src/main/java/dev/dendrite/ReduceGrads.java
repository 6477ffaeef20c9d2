package dev.dendrite;

import dev.dendrite.ops.ReduceOp;

/** Backward rules of the reductions; {@code y} and {@code g} have the keep-dim shape. */
final class ReduceGrads {
    private ReduceGrads() {
    }

    static Tensor grad(ReduceOp op, Tensor x, Tensor y, Tensor g) {
        return switch (op) {
            case SUM -> g.expand(x.shape()).contiguous();
            case MEAN -> g.div(Math.max(1, x.numel() / Math.max(1, y.numel()))).expand(x.shape()).contiguous();
            // Ties share the gradient evenly, so the rule is the subgradient PyTorch's amax/amin use.
            case MAX, MIN -> {
                Tensor hit = x.eq(y);
                Tensor count = hit.sum(reducedAxes(x, y), true);
                yield hit.mul(g.div(count));
            }
        };
    }

    private static int[] reducedAxes(Tensor x, Tensor y) {
        int n = 0;
        for (int i = 0; i < x.rank(); i++) if (x.dim(i) != y.dim(i) || x.dim(i) == 1) n++;
        int[] axes = new int[n];
        for (int i = 0, j = 0; i < x.rank(); i++) if (x.dim(i) != y.dim(i) || x.dim(i) == 1) axes[j++] = i;
        return axes;
    }
}
