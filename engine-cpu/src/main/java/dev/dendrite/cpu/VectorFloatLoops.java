package dev.dendrite.cpu;

import dev.dendrite.ops.BinaryOp;
import dev.dendrite.ops.UnaryOp;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatLoops} on the Vector API. Only {@link FloatLoops.Holder} names this class, after
 * checking that {@code jdk.incubator.vector} is readable.
 *
 * <p>Note [One loop per method]: each op has its own loops with the operator written out, in its own
 * small method, one loop per operand layout (both contiguous, or one operand broadcast). The Vector
 * API compiles to SIMD instructions only when the operator is a constant at the call and the call
 * is inlined with the vector's exact class known. A loop shared through an operator argument, one
 * large switch holding every loop (the JIT stops inlining past a node budget), or a vector chosen
 * by a conditional inside the loop (a broadcast or a load: the merge loses the exact class) each
 * silently ran the Vector API's slow, allocating fallback for some calls. Other non-unit steps and
 * the tail after the last full vector go to {@link ScalarFloatLoops}, whose results are identical.
 */
final class VectorFloatLoops implements FloatLoops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Double lanes for {@link #scaleDouble}, and the float species of the same lane count. */
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> HS = VectorSpecies.of(float.class, VectorShape.forBitSize(DS.vectorBitSize() / 2));
    private static final int DL = DS.length();
    private static final ScalarFloatLoops TAIL = ScalarFloatLoops.INSTANCE;

    private VectorFloatLoops() {
    }

    static FloatLoops create() {
        return new VectorFloatLoops();
    }

    private static boolean vectorizable(int n, int aStep, int bStep, int yStep) {
        return n >= L && (aStep == 0 || aStep == 1) && (bStep == 0 || bStep == 1) && yStep == 1;
    }

    @Override
    public void binary(BinaryOp op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int ys, int n) {
        if (!vectorizable(n, as, bs, ys)) {
            TAIL.binary(op, a, ao, as, b, bo, bs, y, yo, ys, n);
            return;
        }
        int bound = S.loopBound(n);
        int i = switch (op) {
            case ADD -> add(a, ao, as, b, bo, bs, y, yo, bound);
            case SUB -> sub(a, ao, as, b, bo, bs, y, yo, bound);
            case MUL -> mul(a, ao, as, b, bo, bs, y, yo, bound);
            case DIV -> div(a, ao, as, b, bo, bs, y, yo, bound);
            case MAX -> max(a, ao, as, b, bo, bs, y, yo, bound);
            case MIN -> min(a, ao, as, b, bo, bs, y, yo, bound);
            case EQ -> eq(a, ao, as, b, bo, bs, y, yo, bound);
            case NE -> ne(a, ao, as, b, bo, bs, y, yo, bound);
            case LT -> lt(a, ao, as, b, bo, bs, y, yo, bound);
            case LE -> le(a, ao, as, b, bo, bs, y, yo, bound);
            case GT -> gt(a, ao, as, b, bo, bs, y, yo, bound);
            case GE -> ge(a, ao, as, b, bo, bs, y, yo, bound);
            case POW -> throw new IllegalStateException("pow is not exact in float; it takes the double path");
        };
        if (i < n) TAIL.binary(op, a, ao + i * as, as, b, bo + i * bs, bs, y, yo + i, 1, n - i);
    }

    @Override
    public void unary(UnaryOp op, float[] x, int xo, int xs, float[] y, int yo, int ys, int n, float lo, float hi) {
        if (!vectorizable(n, xs, 1, ys) || xs != 1) {
            TAIL.unary(op, x, xo, xs, y, yo, ys, n, lo, hi);
            return;
        }
        int bound = S.loopBound(n);
        int i = switch (op) {
            case NEG -> neg(x, xo, xs, y, yo, bound);
            case ABS -> abs(x, xo, xs, y, yo, bound);
            case SQRT -> sqrt(x, xo, xs, y, yo, bound);
            case SQUARE -> square(x, xo, xs, y, yo, bound);
            case RECIPROCAL -> reciprocal(x, xo, xs, y, yo, bound);
            case RELU -> relu(x, xo, xs, y, yo, bound);
            case CLAMP -> clamp(x, xo, xs, y, yo, bound, lo, hi);
            case SIGN -> 0; // rare; the scalar loop below does it all
            case EXP, LOG, RSQRT, LEAKY_RELU, SIGMOID, TANH, ELU, GELU, SOFTPLUS ->
                    throw new IllegalStateException(op + " is not exact in float; it takes the double path");
        };
        if (i < n) TAIL.unary(op, x, xo + i * xs, xs, y, yo + i, 1, n - i, lo, hi);
    }

    @Override
    public void scaleDouble(BinaryOp op, float[] x, int xo, int xs, double s, boolean scalarFirst, float[] y, int yo, int ys, int n) {
        if (xs != 1 || ys != 1 || n < DL) {
            TAIL.scaleDouble(op, x, xo, xs, s, scalarFirst, y, yo, ys, n);
            return;
        }
        int bound = DS.loopBound(n);
        int i = switch (op) {
            case ADD -> addDouble(x, xo, s, y, yo, bound);
            case SUB -> scalarFirst ? subFromDouble(x, xo, s, y, yo, bound) : subDouble(x, xo, s, y, yo, bound);
            case MUL -> mulDouble(x, xo, s, y, yo, bound);
            case DIV -> scalarFirst ? divIntoDouble(x, xo, s, y, yo, bound) : divDouble(x, xo, s, y, yo, bound);
            case POW, MAX, MIN, EQ, NE, LT, LE, GT, GE ->
                    throw new IllegalStateException(op + " with a double scalar takes the double path");
        };
        if (i < n) TAIL.scaleDouble(op, x, xo + i, 1, s, scalarFirst, y, yo + i, 1, n - i);
    }

    // One small method per op (Note [One loop per method]); each returns where it stopped.

    private static int add(float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int bound) {
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += L) FloatVector.fromArray(S, a, ao + i).add(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
        } else if (as == 1) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) FloatVector.fromArray(S, a, ao + i).add(vb).intoArray(y, yo + i);
        } else {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) va.add(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int sub(float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int bound) {
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += L) FloatVector.fromArray(S, a, ao + i).sub(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
        } else if (as == 1) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) FloatVector.fromArray(S, a, ao + i).sub(vb).intoArray(y, yo + i);
        } else {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) va.sub(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int mul(float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int bound) {
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += L) FloatVector.fromArray(S, a, ao + i).mul(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
        } else if (as == 1) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) FloatVector.fromArray(S, a, ao + i).mul(vb).intoArray(y, yo + i);
        } else {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) va.mul(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int div(float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int bound) {
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += L) FloatVector.fromArray(S, a, ao + i).div(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
        } else if (as == 1) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) FloatVector.fromArray(S, a, ao + i).div(vb).intoArray(y, yo + i);
        } else {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) va.div(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int max(float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int bound) {
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += L) FloatVector.fromArray(S, a, ao + i).max(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
        } else if (as == 1) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) FloatVector.fromArray(S, a, ao + i).max(vb).intoArray(y, yo + i);
        } else {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) va.max(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int min(float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int bound) {
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += L) FloatVector.fromArray(S, a, ao + i).min(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
        } else if (as == 1) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) FloatVector.fromArray(S, a, ao + i).min(vb).intoArray(y, yo + i);
        } else {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) va.min(FloatVector.fromArray(S, b, bo + i)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int eq(float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int bound) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += L)
                zero.blend(1f, FloatVector.fromArray(S, a, ao + i).compare(VectorOperators.EQ, FloatVector.fromArray(S, b, bo + i))).intoArray(y, yo + i);
        } else if (as == 1) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) zero.blend(1f, FloatVector.fromArray(S, a, ao + i).compare(VectorOperators.EQ, vb)).intoArray(y, yo + i);
        } else {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) zero.blend(1f, va.compare(VectorOperators.EQ, FloatVector.fromArray(S, b, bo + i))).intoArray(y, yo + i);
        }
        return i;
    }

    private static int ne(float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int bound) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += L)
                zero.blend(1f, FloatVector.fromArray(S, a, ao + i).compare(VectorOperators.NE, FloatVector.fromArray(S, b, bo + i))).intoArray(y, yo + i);
        } else if (as == 1) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) zero.blend(1f, FloatVector.fromArray(S, a, ao + i).compare(VectorOperators.NE, vb)).intoArray(y, yo + i);
        } else {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) zero.blend(1f, va.compare(VectorOperators.NE, FloatVector.fromArray(S, b, bo + i))).intoArray(y, yo + i);
        }
        return i;
    }

    private static int lt(float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int bound) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += L)
                zero.blend(1f, FloatVector.fromArray(S, a, ao + i).compare(VectorOperators.LT, FloatVector.fromArray(S, b, bo + i))).intoArray(y, yo + i);
        } else if (as == 1) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) zero.blend(1f, FloatVector.fromArray(S, a, ao + i).compare(VectorOperators.LT, vb)).intoArray(y, yo + i);
        } else {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) zero.blend(1f, va.compare(VectorOperators.LT, FloatVector.fromArray(S, b, bo + i))).intoArray(y, yo + i);
        }
        return i;
    }

    private static int le(float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int bound) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += L)
                zero.blend(1f, FloatVector.fromArray(S, a, ao + i).compare(VectorOperators.LE, FloatVector.fromArray(S, b, bo + i))).intoArray(y, yo + i);
        } else if (as == 1) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) zero.blend(1f, FloatVector.fromArray(S, a, ao + i).compare(VectorOperators.LE, vb)).intoArray(y, yo + i);
        } else {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) zero.blend(1f, va.compare(VectorOperators.LE, FloatVector.fromArray(S, b, bo + i))).intoArray(y, yo + i);
        }
        return i;
    }

    private static int gt(float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int bound) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += L)
                zero.blend(1f, FloatVector.fromArray(S, a, ao + i).compare(VectorOperators.GT, FloatVector.fromArray(S, b, bo + i))).intoArray(y, yo + i);
        } else if (as == 1) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) zero.blend(1f, FloatVector.fromArray(S, a, ao + i).compare(VectorOperators.GT, vb)).intoArray(y, yo + i);
        } else {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) zero.blend(1f, va.compare(VectorOperators.GT, FloatVector.fromArray(S, b, bo + i))).intoArray(y, yo + i);
        }
        return i;
    }

    private static int ge(float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int bound) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += L)
                zero.blend(1f, FloatVector.fromArray(S, a, ao + i).compare(VectorOperators.GE, FloatVector.fromArray(S, b, bo + i))).intoArray(y, yo + i);
        } else if (as == 1) {
            FloatVector vb = FloatVector.broadcast(S, b[bo]);
            for (; i < bound; i += L) zero.blend(1f, FloatVector.fromArray(S, a, ao + i).compare(VectorOperators.GE, vb)).intoArray(y, yo + i);
        } else {
            FloatVector va = FloatVector.broadcast(S, a[ao]);
            for (; i < bound; i += L) zero.blend(1f, va.compare(VectorOperators.GE, FloatVector.fromArray(S, b, bo + i))).intoArray(y, yo + i);
        }
        return i;
    }

    private static int neg(float[] x, int xo, int xs, float[] y, int yo, int bound) {
        int i = 0;
        for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).neg().intoArray(y, yo + i);
        return i;
    }

    private static int abs(float[] x, int xo, int xs, float[] y, int yo, int bound) {
        int i = 0;
        for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).abs().intoArray(y, yo + i);
        return i;
    }

    private static int sqrt(float[] x, int xo, int xs, float[] y, int yo, int bound) {
        int i = 0;
        for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).sqrt().intoArray(y, yo + i);
        return i;
    }

    private static int square(float[] x, int xo, int xs, float[] y, int yo, int bound) {
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.mul(v).intoArray(y, yo + i);
        }
        return i;
    }

    private static int reciprocal(float[] x, int xo, int xs, float[] y, int yo, int bound) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (; i < bound; i += L) one.div(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        return i;
    }

    /** Lanewise MAX has Math.max's semantics (NaN wins, −0 < +0), so max(x, +0) is ElementMath's relu. */
    private static int relu(float[] x, int xo, int xs, float[] y, int yo, int bound) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += L) FloatVector.fromArray(S, x, xo + i).max(zero).intoArray(y, yo + i);
        return i;
    }

    private static int clamp(float[] x, int xo, int xs, float[] y, int yo, int bound, float lo, float hi) {
        FloatVector vlo = FloatVector.broadcast(S, lo), vhi = FloatVector.broadcast(S, hi);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.max(vlo).min(vhi).blend(v, v.test(VectorOperators.IS_NAN)).intoArray(y, yo + i);
        }
        return i;
    }

    private static int addDouble(float[] x, int xo, double s, float[] y, int yo, int bound) {
        DoubleVector vs = DoubleVector.broadcast(DS, s);
        int i = 0;
        for (; i < bound; i += DL) narrow(widen(x, xo + i).add(vs)).intoArray(y, yo + i);
        return i;
    }

    private static int subDouble(float[] x, int xo, double s, float[] y, int yo, int bound) {
        DoubleVector vs = DoubleVector.broadcast(DS, s);
        int i = 0;
        for (; i < bound; i += DL) narrow(widen(x, xo + i).sub(vs)).intoArray(y, yo + i);
        return i;
    }

    private static int subFromDouble(float[] x, int xo, double s, float[] y, int yo, int bound) {
        DoubleVector vs = DoubleVector.broadcast(DS, s);
        int i = 0;
        for (; i < bound; i += DL) narrow(vs.sub(widen(x, xo + i))).intoArray(y, yo + i);
        return i;
    }

    private static int mulDouble(float[] x, int xo, double s, float[] y, int yo, int bound) {
        DoubleVector vs = DoubleVector.broadcast(DS, s);
        int i = 0;
        for (; i < bound; i += DL) narrow(widen(x, xo + i).mul(vs)).intoArray(y, yo + i);
        return i;
    }

    private static int divDouble(float[] x, int xo, double s, float[] y, int yo, int bound) {
        DoubleVector vs = DoubleVector.broadcast(DS, s);
        int i = 0;
        for (; i < bound; i += DL) narrow(widen(x, xo + i).div(vs)).intoArray(y, yo + i);
        return i;
    }

    private static int divIntoDouble(float[] x, int xo, double s, float[] y, int yo, int bound) {
        DoubleVector vs = DoubleVector.broadcast(DS, s);
        int i = 0;
        for (; i < bound; i += DL) narrow(vs.div(widen(x, xo + i))).intoArray(y, yo + i);
        return i;
    }

    /** {@code DL} floats from {@code x[off]} as doubles (exact). */
    private static DoubleVector widen(float[] x, int off) {
        return (DoubleVector) FloatVector.fromArray(HS, x, off).convertShape(VectorOperators.F2D, DS, 0);
    }

    /** Rounds {@code DL} doubles to floats (round to nearest even, as a Java cast). */
    private static FloatVector narrow(DoubleVector v) {
        return (FloatVector) v.convertShape(VectorOperators.D2F, HS, 0);
    }
}
