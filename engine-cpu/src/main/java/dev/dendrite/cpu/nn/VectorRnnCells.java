package dev.dendrite.cpu.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fused gate math of one batch row of one time step, in single precision on the Vector API: the
 * float fast path of {@link RnnKernels} (equations on {@code RnnParams}). Only called after
 * {@code Gemm.isVectorized()} has confirmed that {@code jdk.incubator.vector} is readable (Note [Loading
 * the vector kernel] in {@code Gemm}).
 *
 * <p>Note [Vector gate math]: {@code Math.tanh} is not an intrinsic on JDK 17 and costs about 30 ns, so
 * an LSTM step of 32 × 256 units spent more time in its two tanh per unit than in its recurrent GEMM.
 * {@code lanewise(TANH)} and {@code lanewise(EXP)} compile to the JDK's SVML stubs on x86: measured here
 * 0.43 ns per element for tanh and 0.96 for a sigmoid, within 0.6 ulp of the exact value before
 * rounding. The columns past the last full vector use the same formulas on scalars. Every function
 * reads its operands before writing, so the gate buffer may be overwritten in place.
 */
final class VectorRnnCells {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    private VectorRnnCells() {
    }

    private static float sigmoid(float x) {
        return (float) (1 / (1 + Math.exp(-x)));
    }

    private static float tanh(float x) {
        return (float) Math.tanh(x);
    }

    /**
     * LSTM forward: gates {@code i, f, g, o} from the pre-activations {@code pre + rec} (biases already in
     * {@code pre}), {@code c = f·c_prev + i·g}, {@code h = o·tanh(c)}. Writes the activated gates over
     * {@code pre}, c to {@code cOut}, h to {@code hOut} and {@code y}.
     */
    static void lstmForward(int h, float[] pre, int preOff, float[] rec, int recOff, float[] cPrev, int cpOff,
                            float[] cOut, int cOff, float[] hOut, int hOff, float[] y, int yOff) {
        int j = 0, bound = S.loopBound(h);
        for (; j < bound; j += S.length()) {
            FloatVector i = sigmoidVec(pre, preOff + j, rec, recOff + j);
            FloatVector f = sigmoidVec(pre, preOff + h + j, rec, recOff + h + j);
            FloatVector g = tanhVec(pre, preOff + 2 * h + j, rec, recOff + 2 * h + j);
            FloatVector o = sigmoidVec(pre, preOff + 3 * h + j, rec, recOff + 3 * h + j);
            FloatVector c = f.mul(FloatVector.fromArray(S, cPrev, cpOff + j)).add(i.mul(g));
            FloatVector hv = o.mul(c.lanewise(VectorOperators.TANH));
            i.intoArray(pre, preOff + j);
            f.intoArray(pre, preOff + h + j);
            g.intoArray(pre, preOff + 2 * h + j);
            o.intoArray(pre, preOff + 3 * h + j);
            c.intoArray(cOut, cOff + j);
            hv.intoArray(hOut, hOff + j);
            hv.intoArray(y, yOff + j);
        }
        for (; j < h; j++) {
            float i = sigmoid(pre[preOff + j] + rec[recOff + j]);
            float f = sigmoid(pre[preOff + h + j] + rec[recOff + h + j]);
            float g = tanh(pre[preOff + 2 * h + j] + rec[recOff + 2 * h + j]);
            float o = sigmoid(pre[preOff + 3 * h + j] + rec[recOff + 3 * h + j]);
            float c = f * cPrev[cpOff + j] + i * g;
            float hv = o * tanh(c);
            pre[preOff + j] = i;
            pre[preOff + h + j] = f;
            pre[preOff + 2 * h + j] = g;
            pre[preOff + 3 * h + j] = o;
            cOut[cOff + j] = c;
            hOut[hOff + j] = hv;
            y[yOff + j] = hv;
        }
    }

    /**
     * GRU forward: {@code r, z} from {@code pre + rec}, {@code hn = rec_n + b_hn},
     * {@code n = tanh(pre_n + r·hn)}, {@code h = (1 − z)·n + z·h_prev}. Writes r, z, n over {@code pre},
     * hn to {@code hnOut}, h to {@code hOut} and {@code y}.
     *
     * @param bhn the recurrent bias of the n gate, {@code [H]} (zeros when the layer has none)
     */
    static void gruForward(int h, float[] pre, int preOff, float[] rec, int recOff, float[] bhn, float[] hPrev, int hpOff,
                           float[] hnOut, int hnOff, float[] hOut, int hOff, float[] y, int yOff) {
        int j = 0, bound = S.loopBound(h);
        for (; j < bound; j += S.length()) {
            FloatVector r = sigmoidVec(pre, preOff + j, rec, recOff + j);
            FloatVector z = sigmoidVec(pre, preOff + h + j, rec, recOff + h + j);
            FloatVector hn = FloatVector.fromArray(S, rec, recOff + 2 * h + j).add(FloatVector.fromArray(S, bhn, j));
            FloatVector n = FloatVector.fromArray(S, pre, preOff + 2 * h + j).add(r.mul(hn)).lanewise(VectorOperators.TANH);
            FloatVector hp = FloatVector.fromArray(S, hPrev, hpOff + j);
            // (1 − z)·n + z·h_prev, written as n + z·(h_prev − n)
            FloatVector hv = n.add(z.mul(hp.sub(n)));
            r.intoArray(pre, preOff + j);
            z.intoArray(pre, preOff + h + j);
            n.intoArray(pre, preOff + 2 * h + j);
            hn.intoArray(hnOut, hnOff + j);
            hv.intoArray(hOut, hOff + j);
            hv.intoArray(y, yOff + j);
        }
        for (; j < h; j++) {
            float r = sigmoid(pre[preOff + j] + rec[recOff + j]);
            float z = sigmoid(pre[preOff + h + j] + rec[recOff + h + j]);
            float hn = rec[recOff + 2 * h + j] + bhn[j];
            float n = tanh(pre[preOff + 2 * h + j] + r * hn);
            float hv = n + z * (hPrev[hpOff + j] - n);
            pre[preOff + j] = r;
            pre[preOff + h + j] = z;
            pre[preOff + 2 * h + j] = n;
            hnOut[hnOff + j] = hn;
            hOut[hOff + j] = hv;
            y[yOff + j] = hv;
        }
    }

    /** Elman RNN forward: {@code h = tanh(pre + rec)} or {@code relu(pre + rec)}, written over {@code pre}, to {@code hOut} and {@code y}. */
    static void simpleForward(boolean relu, int h, float[] pre, int preOff, float[] rec, int recOff,
                              float[] hOut, int hOff, float[] y, int yOff) {
        int j = 0, bound = S.loopBound(h);
        for (; j < bound; j += S.length()) {
            FloatVector s = FloatVector.fromArray(S, pre, preOff + j).add(FloatVector.fromArray(S, rec, recOff + j));
            FloatVector hv = relu ? s.max(0f) : s.lanewise(VectorOperators.TANH);
            hv.intoArray(pre, preOff + j);
            hv.intoArray(hOut, hOff + j);
            hv.intoArray(y, yOff + j);
        }
        for (; j < h; j++) {
            float s = pre[preOff + j] + rec[recOff + j];
            float hv = relu ? Math.max(s, 0f) : tanh(s);
            pre[preOff + j] = hv;
            hOut[hOff + j] = hv;
            y[yOff + j] = hv;
        }
    }

    /**
     * LSTM backward through one row: from the total state gradient {@code dh = dy + dh_next} and the
     * carried cell gradient {@code dc}, the gate gradients (pre-activation) into {@code dGate} and the cell
     * gradient for the previous step into {@code dc} (in place).
     */
    static void lstmBackward(int h, float[] act, int aOff, float[] cell, int cOff, float[] cPrev, int cpOff,
                             float[] dy, int dyOff, float[] dh, int dhOff, float[] dc, int dcOff, float[] dGate, int gOff) {
        int j = 0, bound = S.loopBound(h);
        for (; j < bound; j += S.length()) {
            FloatVector i = FloatVector.fromArray(S, act, aOff + j), f = FloatVector.fromArray(S, act, aOff + h + j);
            FloatVector g = FloatVector.fromArray(S, act, aOff + 2 * h + j), o = FloatVector.fromArray(S, act, aOff + 3 * h + j);
            FloatVector dht = FloatVector.fromArray(S, dy, dyOff + j).add(FloatVector.fromArray(S, dh, dhOff + j));
            FloatVector tc = FloatVector.fromArray(S, cell, cOff + j).lanewise(VectorOperators.TANH);
            FloatVector dct = FloatVector.fromArray(S, dc, dcOff + j).add(dht.mul(o).mul(tc.mul(tc).neg().add(1f)));
            dct.mul(g).mul(i).mul(i.neg().add(1f)).intoArray(dGate, gOff + j);
            dct.mul(FloatVector.fromArray(S, cPrev, cpOff + j)).mul(f).mul(f.neg().add(1f)).intoArray(dGate, gOff + h + j);
            dct.mul(i).mul(g.mul(g).neg().add(1f)).intoArray(dGate, gOff + 2 * h + j);
            dht.mul(tc).mul(o).mul(o.neg().add(1f)).intoArray(dGate, gOff + 3 * h + j);
            dct.mul(f).intoArray(dc, dcOff + j);
        }
        for (; j < h; j++) {
            float i = act[aOff + j], f = act[aOff + h + j], g = act[aOff + 2 * h + j], o = act[aOff + 3 * h + j];
            float dht = dy[dyOff + j] + dh[dhOff + j];
            float tc = tanh(cell[cOff + j]);
            float dct = dc[dcOff + j] + dht * o * (1 - tc * tc);
            dGate[gOff + j] = dct * g * i * (1 - i);
            dGate[gOff + h + j] = dct * cPrev[cpOff + j] * f * (1 - f);
            dGate[gOff + 2 * h + j] = dct * i * (1 - g * g);
            dGate[gOff + 3 * h + j] = dht * tc * o * (1 - o);
            dc[dcOff + j] = dct * f;
        }
    }

    /**
     * GRU backward through one row: gate gradients of the input projection into {@code dGx}, of the
     * recurrent projection into {@code dGh} (they differ in the n gate: {@code dGh_n = dGx_n · r}), and the
     * part of the previous state's gradient that bypasses the recurrent GEMM, {@code dh·z}, into {@code direct}.
     */
    static void gruBackward(int h, float[] act, int aOff, float[] hPrev, int hpOff, float[] hn, int hnOff,
                            float[] dy, int dyOff, float[] dh, int dhOff, float[] dGx, float[] dGh, int gOff,
                            float[] direct, int dOff) {
        int j = 0, bound = S.loopBound(h);
        for (; j < bound; j += S.length()) {
            FloatVector r = FloatVector.fromArray(S, act, aOff + j), z = FloatVector.fromArray(S, act, aOff + h + j);
            FloatVector n = FloatVector.fromArray(S, act, aOff + 2 * h + j);
            FloatVector dht = FloatVector.fromArray(S, dy, dyOff + j).add(FloatVector.fromArray(S, dh, dhOff + j));
            FloatVector dn = dht.mul(z.neg().add(1f)).mul(n.mul(n).neg().add(1f));
            FloatVector dr = dn.mul(FloatVector.fromArray(S, hn, hnOff + j)).mul(r).mul(r.neg().add(1f));
            FloatVector dz = dht.mul(FloatVector.fromArray(S, hPrev, hpOff + j).sub(n)).mul(z).mul(z.neg().add(1f));
            dr.intoArray(dGx, gOff + j);
            dz.intoArray(dGx, gOff + h + j);
            dn.intoArray(dGx, gOff + 2 * h + j);
            dr.intoArray(dGh, gOff + j);
            dz.intoArray(dGh, gOff + h + j);
            dn.mul(r).intoArray(dGh, gOff + 2 * h + j);
            dht.mul(z).intoArray(direct, dOff + j);
        }
        for (; j < h; j++) {
            float r = act[aOff + j], z = act[aOff + h + j], n = act[aOff + 2 * h + j];
            float dht = dy[dyOff + j] + dh[dhOff + j];
            float dn = dht * (1 - z) * (1 - n * n);
            float dr = dn * hn[hnOff + j] * r * (1 - r);
            float dz = dht * (hPrev[hpOff + j] - n) * z * (1 - z);
            dGx[gOff + j] = dr;
            dGx[gOff + h + j] = dz;
            dGx[gOff + 2 * h + j] = dn;
            dGh[gOff + j] = dr;
            dGh[gOff + h + j] = dz;
            dGh[gOff + 2 * h + j] = dn * r;
            direct[dOff + j] = dht * z;
        }
    }

    /** Elman RNN backward through one row: {@code dGate = dh_total · tanh'} (or relu'); nothing bypasses the GEMM. */
    static void simpleBackward(boolean relu, int h, float[] act, int aOff, float[] dy, int dyOff, float[] dh, int dhOff,
                               float[] dGate, int gOff) {
        int j = 0, bound = S.loopBound(h);
        for (; j < bound; j += S.length()) {
            FloatVector a = FloatVector.fromArray(S, act, aOff + j);
            FloatVector dht = FloatVector.fromArray(S, dy, dyOff + j).add(FloatVector.fromArray(S, dh, dhOff + j));
            FloatVector dg = relu ? FloatVector.zero(S).blend(dht, a.compare(VectorOperators.GT, 0f))
                    : dht.mul(a.mul(a).neg().add(1f));
            dg.intoArray(dGate, gOff + j);
        }
        for (; j < h; j++) {
            float a = act[aOff + j], dht = dy[dyOff + j] + dh[dhOff + j];
            dGate[gOff + j] = relu ? (a > 0 ? dht : 0) : dht * (1 - a * a);
        }
    }

    private static FloatVector sigmoidVec(float[] pre, int preOff, float[] rec, int recOff) {
        FloatVector x = FloatVector.fromArray(S, pre, preOff).add(FloatVector.fromArray(S, rec, recOff));
        return ONE.div(x.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    private static FloatVector tanhVec(float[] pre, int preOff, float[] rec, int recOff) {
        return FloatVector.fromArray(S, pre, preOff).add(FloatVector.fromArray(S, rec, recOff)).lanewise(VectorOperators.TANH);
    }
}
