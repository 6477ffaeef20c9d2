package dev.dendrite.cpu;

import dev.dendrite.ops.BinaryOp;
import dev.dendrite.ops.UnaryOp;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatLoops} on the Vector API. Only {@link FloatLoops.Holder} names this class, after
 * checking that {@code jdk.incubator.vector} is readable.
 *
 * <p>Each op has its own loop with the operator written out: the Vector API compiles to SIMD
 * instructions only when the operator is a constant at the call, so a loop shared through an
 * operator argument could silently run its slow, allocating fallback. Operands with step 0 are
 * broadcast once ({@link #load}'s test is loop-invariant); other non-unit steps and the tail after
 * the last full vector go to {@link ScalarFloatLoops}, whose results are identical.
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

    /** The operand's lanes {@code [i, i + L)}: a load, or its single value broadcast when its step is 0. */
    private static FloatVector load(float[] a, int off, int step, int i) {
        return step == 0 ? FloatVector.broadcast(S, a[off]) : FloatVector.fromArray(S, a, off + i);
    }

    private static boolean vectorizable(int n, int aStep, int bStep, int yStep) {
        return n >= L && (aStep == 0 || aStep == 1) && (bStep == 0 || bStep == 1) && yStep == 1;
    }

    private static FloatVector bits(VectorMask<Float> m) {
        return FloatVector.zero(S).blend(1f, m);
    }

    @Override
    public void binary(BinaryOp op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] y, int yo, int ys, int n) {
        if (!vectorizable(n, as, bs, ys)) {
            TAIL.binary(op, a, ao, as, b, bo, bs, y, yo, ys, n);
            return;
        }
        int i = 0, bound = S.loopBound(n);
        switch (op) {
            case ADD -> { for (; i < bound; i += L) load(a, ao, as, i).add(load(b, bo, bs, i)).intoArray(y, yo + i); }
            case SUB -> { for (; i < bound; i += L) load(a, ao, as, i).sub(load(b, bo, bs, i)).intoArray(y, yo + i); }
            case MUL -> { for (; i < bound; i += L) load(a, ao, as, i).mul(load(b, bo, bs, i)).intoArray(y, yo + i); }
            case DIV -> { for (; i < bound; i += L) load(a, ao, as, i).div(load(b, bo, bs, i)).intoArray(y, yo + i); }
            case MAX -> { for (; i < bound; i += L) load(a, ao, as, i).max(load(b, bo, bs, i)).intoArray(y, yo + i); }
            case MIN -> { for (; i < bound; i += L) load(a, ao, as, i).min(load(b, bo, bs, i)).intoArray(y, yo + i); }
            case EQ -> { for (; i < bound; i += L) bits(load(a, ao, as, i).compare(VectorOperators.EQ, load(b, bo, bs, i))).intoArray(y, yo + i); }
            case NE -> { for (; i < bound; i += L) bits(load(a, ao, as, i).compare(VectorOperators.NE, load(b, bo, bs, i))).intoArray(y, yo + i); }
            case LT -> { for (; i < bound; i += L) bits(load(a, ao, as, i).compare(VectorOperators.LT, load(b, bo, bs, i))).intoArray(y, yo + i); }
            case LE -> { for (; i < bound; i += L) bits(load(a, ao, as, i).compare(VectorOperators.LE, load(b, bo, bs, i))).intoArray(y, yo + i); }
            case GT -> { for (; i < bound; i += L) bits(load(a, ao, as, i).compare(VectorOperators.GT, load(b, bo, bs, i))).intoArray(y, yo + i); }
            case GE -> { for (; i < bound; i += L) bits(load(a, ao, as, i).compare(VectorOperators.GE, load(b, bo, bs, i))).intoArray(y, yo + i); }
            case POW -> throw new IllegalStateException("pow is not exact in float; it takes the double path");
        }
        if (i < n) TAIL.binary(op, a, ao + i * as, as, b, bo + i * bs, bs, y, yo + i, 1, n - i);
    }

    @Override
    public void unary(UnaryOp op, float[] x, int xo, int xs, float[] y, int yo, int ys, int n, float lo, float hi) {
        if (!vectorizable(n, xs, 1, ys)) {
            TAIL.unary(op, x, xo, xs, y, yo, ys, n, lo, hi);
            return;
        }
        int i = 0, bound = S.loopBound(n);
        switch (op) {
            case NEG -> { for (; i < bound; i += L) load(x, xo, xs, i).neg().intoArray(y, yo + i); }
            case ABS -> { for (; i < bound; i += L) load(x, xo, xs, i).abs().intoArray(y, yo + i); }
            case SQRT -> { for (; i < bound; i += L) load(x, xo, xs, i).sqrt().intoArray(y, yo + i); }
            case SQUARE -> {
                for (; i < bound; i += L) {
                    FloatVector v = load(x, xo, xs, i);
                    v.mul(v).intoArray(y, yo + i);
                }
            }
            case RECIPROCAL -> {
                FloatVector one = FloatVector.broadcast(S, 1f);
                for (; i < bound; i += L) one.div(load(x, xo, xs, i)).intoArray(y, yo + i);
            }
            case RELU -> {
                // Lanewise MAX has Math.max's semantics (NaN wins, −0 < +0), so max(x, +0) is ElementMath's relu.
                FloatVector zero = FloatVector.zero(S);
                for (; i < bound; i += L) load(x, xo, xs, i).max(zero).intoArray(y, yo + i);
            }
            case CLAMP -> {
                FloatVector vlo = FloatVector.broadcast(S, lo), vhi = FloatVector.broadcast(S, hi);
                for (; i < bound; i += L) {
                    FloatVector v = load(x, xo, xs, i);
                    v.max(vlo).min(vhi).blend(v, v.test(VectorOperators.IS_NAN)).intoArray(y, yo + i);
                }
            }
            case SIGN -> i = 0; // rare; the scalar loop below does it all
            case EXP, LOG, RSQRT, LEAKY_RELU, SIGMOID, TANH, ELU, GELU, SOFTPLUS ->
                    throw new IllegalStateException(op + " is not exact in float; it takes the double path");
        }
        if (i < n) TAIL.unary(op, x, xo + i * xs, xs, y, yo + i, 1, n - i, lo, hi);
    }

    @Override
    public void scaleDouble(BinaryOp op, float[] x, int xo, int xs, double s, boolean scalarFirst, float[] y, int yo, int ys, int n) {
        if (xs != 1 || ys != 1 || n < DL) {
            TAIL.scaleDouble(op, x, xo, xs, s, scalarFirst, y, yo, ys, n);
            return;
        }
        int i = 0, bound = DS.loopBound(n);
        DoubleVector vs = DoubleVector.broadcast(DS, s);
        switch (op) {
            case ADD -> { for (; i < bound; i += DL) narrow(widen(x, xo + i).add(vs)).intoArray(y, yo + i); }
            case SUB -> {
                if (scalarFirst) for (; i < bound; i += DL) narrow(vs.sub(widen(x, xo + i))).intoArray(y, yo + i);
                else for (; i < bound; i += DL) narrow(widen(x, xo + i).sub(vs)).intoArray(y, yo + i);
            }
            case MUL -> { for (; i < bound; i += DL) narrow(widen(x, xo + i).mul(vs)).intoArray(y, yo + i); }
            case DIV -> {
                if (scalarFirst) for (; i < bound; i += DL) narrow(vs.div(widen(x, xo + i))).intoArray(y, yo + i);
                else for (; i < bound; i += DL) narrow(widen(x, xo + i).div(vs)).intoArray(y, yo + i);
            }
            case POW, MAX, MIN, EQ, NE, LT, LE, GT, GE ->
                    throw new IllegalStateException(op + " with a double scalar takes the double path");
        }
        if (i < n) TAIL.scaleDouble(op, x, xo + i, 1, s, scalarFirst, y, yo + i, 1, n - i);
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
