package dev.dendrite;

import dev.dendrite.ops.BinaryOp;

/** Backward rules of the elementwise binary ops; gradients are summed back over broadcast dimensions. */
final class BinaryGrads {
    private BinaryGrads() {
    }

    static Tensor[] grad(BinaryOp op, Tensor a, Tensor b, Tensor y, Tensor g) {
        Tensor[] g2 = switch (op) {
            case ADD -> new Tensor[]{g, g};
            case SUB -> new Tensor[]{g, b.requiresGrad() ? g.neg() : null};
            case MUL -> new Tensor[]{a.requiresGrad() ? g.mul(b) : null, b.requiresGrad() ? g.mul(a) : null};
            case DIV -> new Tensor[]{a.requiresGrad() ? g.div(b) : null, b.requiresGrad() ? g.mul(y).div(b).neg() : null};
            case POW -> new Tensor[]{a.requiresGrad() ? g.mul(b).mul(a.pow(b.sub(1))) : null,
                    b.requiresGrad() ? g.mul(y).mul(a.log()) : null};
            // Ties split the gradient evenly between the operands (as PyTorch's maximum/minimum).
            case MAX, MIN -> {
                Tensor wins = op == BinaryOp.MAX ? a.gt(b) : a.lt(b);
                Tensor wa = wins.add(a.eq(b).mul(0.5));
                yield new Tensor[]{a.requiresGrad() ? g.mul(wa) : null, b.requiresGrad() ? g.mul(wa.rsub(1)) : null};
            }
            case EQ, NE, LT, LE, GT, GE -> new Tensor[]{null, null};
        };
        Tensor ga = g2[0], gb = g2[1];
        return new Tensor[]{ga == null ? null : ga.sumTo(a.shape()), gb == null ? null : gb.sumTo(b.shape())};
    }

    static Tensor scalarGrad(BinaryOp op, Tensor a, double s, boolean scalarFirst, Tensor y, Tensor g) {
        return switch (op) {
            case ADD -> g;
            case SUB -> scalarFirst ? g.neg() : g;
            case MUL -> g.mul(s);
            case DIV -> scalarFirst ? g.mul(y).div(a).neg() : g.div(s);
            case POW -> scalarFirst ? g.mul(y).mul(Math.log(s)) : g.mul(a.pow(s - 1)).mul(s);
            case MAX, MIN -> {
                Tensor wins = op == BinaryOp.MAX ? a.gt(s) : a.lt(s);
                yield g.mul(wins.add(a.eq(s).mul(0.5)));
            }
            case EQ, NE, LT, LE, GT, GE -> null;
        };
    }
}
