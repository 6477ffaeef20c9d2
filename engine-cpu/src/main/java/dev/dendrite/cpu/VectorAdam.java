package dev.dendrite.cpu;

import dev.dendrite.spi.FusedAdam;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float Adam update of {@link FusedAdamKernel} in double lanes: floats are widened exactly,
 * each step computed in double and rounded back to float ({@link #round}) wherever the scalar loop
 * casts, so the two agree bit for bit. Only called when {@code jdk.incubator.vector} is readable.
 */
final class VectorAdam {
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> HS = VectorSpecies.of(float.class, VectorShape.forBitSize(DS.vectorBitSize() / 2));
    private static final int DL = DS.length();

    private VectorAdam() {
    }

    private static DoubleVector load(float[] a, int off) {
        return (DoubleVector) FloatVector.fromArray(HS, a, off).convertShape(VectorOperators.F2D, DS, 0);
    }

    private static FloatVector narrow(DoubleVector v) {
        return (FloatVector) v.convertShape(VectorOperators.D2F, HS, 0);
    }

    /** The double nearest to {@code (float) v}: a float-rounded intermediate, kept in double lanes. */
    private static DoubleVector round(DoubleVector v) {
        return (DoubleVector) narrow(v).convertShape(VectorOperators.F2D, DS, 0);
    }

    static void update(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int from, int to,
                       FusedAdam.AdamStep s) {
        double a1 = 1 - s.beta1(), a2 = 1 - s.beta2();
        boolean decay = s.decay() != 1, l2 = s.l2() != 0, add1 = a1 == 1, add2 = a2 == 1, unitStep = s.step() == 1;
        int i = from, bound = from + DS.loopBound(to - from);
        for (; i < bound; i += DL) {
            DoubleVector th = load(p, po + i);
            if (decay) th = round(th.mul(s.decay()));
            DoubleVector d = load(g, go + i);
            if (l2) d = round(round(th.mul(s.l2())).add(d));
            DoubleVector mm = round(load(m, mo + i).mul(s.beta1()));
            mm = round(mm.add(add1 ? d : round(d.mul(a1))));
            DoubleVector dd = round(d.mul(d));
            DoubleVector vv = round(load(v, vo + i).mul(s.beta2()));
            vv = round(vv.add(add2 ? dd : round(dd.mul(a2))));
            DoubleVector den = round(round(round(vv.sqrt()).div(s.sqrtBc2())).add(s.eps()));
            DoubleVector q = round(mm.div(den));
            narrow(th.add(unitStep ? q : round(q.mul(s.step())))).intoArray(p, po + i);
            narrow(mm).intoArray(m, mo + i);
            narrow(vv).intoArray(v, vo + i);
        }
        if (i < to) FusedAdamKernel.update(p, po, g, go, m, mo, v, vo, i, to, s);
    }
}
