package dev.dendrite.cpu.nn;

import dev.dendrite.cpu.Parallel;
import dev.dendrite.cpu.ScratchArrays;
import dev.dendrite.cpu.gemm.Gemm;
import dev.dendrite.cpu.gemm.PackedFloatB;
import dev.dendrite.ops.RnnMode;
import dev.dendrite.ops.RnnParams;
import dev.dendrite.random.Philox;
import dev.dendrite.spi.Backend;

/**
 * Whole-sequence recurrent networks on dense arrays: the CPU side of {@code Backend.rnnForward},
 * {@code rnnBackwardData} and {@code rnnBackwardWeights}. Equations, gate order, weight order and the
 * dropout rule are documented on {@link RnnParams}; this class works on {@code float[]} or
 * {@code double[]} arrays (one dtype per call) given as {@link Buf}s.
 *
 * <pre>
 * Note [RNN on the CPU: two GEMMs per layer and direction, one per step]
 * For layer l and direction d the input projection of every step is one GEMM,
 *     Gx[T·N, G·H] = X_l[T·N, in_l] · W_ihᵀ   (+ b_ih),
 * and each step's recurrent part is one GEMM for all gates,
 *     Gh[N, G·H] = h_prev[N, H] · W_hhᵀ       (+ b_hh),
 * followed by one fused pass over the rows that applies the gate nonlinearities and the state update.
 * The backward pass mirrors it: per step one GEMM dh_prev[N, H] = dGh[N, G·H] · W_hh; after the loop one
 * GEMM dX_l = dGx · W_ih, and the weight gradients are dW_ih = dGxᵀ · X_l and dW_hh = dGhᵀ · H_prev (two
 * GEMMs, since H_prev is h0 followed by the saved states). Gate math runs in double on row scratch; the
 * stored tensors and the GEMMs are in the call's dtype.
 *
 * Note [Padded sequences: carry the state through the padding]
 * Sequence n is active at step t iff t < len_n. We keep a dense state tensor S[T, N, H] holding, for every
 * step, the state after that step in the direction's iteration order: an active row gets the cell's new
 * state, an inactive row carries its previous one unchanged. For the forward direction the padding comes
 * after the sequence, so S[T−1] holds each sequence's own final state; for the reverse direction it comes
 * first in iteration order (t = T−1 down to 0), so the row still holds h0 when step len_n − 1 starts it,
 * exactly as a packed sequence would. The per-step GEMM then runs over all N rows without gathers, outputs
 * of inactive rows are written as zero, and in the backward pass inactive rows get a zero gate gradient
 * and pass their state gradient through unchanged (the carry is the identity).
 *
 * Note [RNN float fast path]
 * With the Vector API and float32 tensors a second implementation of the per-step loop runs (the
 * *Vector methods): the gate math works in float lanes (Note [Vector gate math] in VectorRnnCells)
 * instead of double scratch rows, the recurrent weight is packed for the GEMM once per layer and
 * direction instead of at every step (Note [Packing B once] in SgemmDriver), and the recurrent biases
 * are added to the input projection once, except GRU's b_hn, which sits inside r·(W_hn h + b_hn). The
 * double path stays the readable one and the reference in the tests; the float path is checked
 * against it and against finite differences through the layers.
 *
 * Note [RNN working memory]
 * The reserve (activations, states, gate gradients) and the per-call scratch are the bulk of a
 * recurrent training step's memory: 23 MB for the char-LSTM step, as fresh arrays every step. They
 * come from the CPU backend's storage pool instead (ScratchArrays) and go back when the reserve is
 * closed or the call ends, like tensors do, so a steady-state step reuses warm arrays. Pool arrays
 * hold old contents: scratch(...) is used where every element is written before it is read, and
 * zeros(...) where padded rows rely on zeros (gate gradients, absent initial states).
 * </pre>
 */
public final class RnnKernels {
    /** Elementwise work per task below which the fused gate pass stays on the calling thread. */
    private static final int GRAIN_ELEMENTS = 1 << 14;
    private static final int RANDOM_CHUNK = 1 << 14;

    private RnnKernels() {
    }

    /** A dense array ({@code float[]} or {@code double[]}) and the element offset where a tensor starts. */
    public record Buf(Object array, int offset) {
        public Buf {
            if (!(array instanceof float[]) && !(array instanceof double[]))
                throw new IllegalArgumentException("rnn: buffers must be float[] or double[], got "
                        + (array == null ? "null" : array.getClass().getSimpleName()));
        }
    }

    /** What the backward calls need from a training forward (the reserve space). Arrays are in the call's dtype. */
    public static final class Reserve implements Backend.RnnReserve {
        final RnnParams p;
        final int steps, batch;
        final int[] lens;
        final boolean isFloat;
        /** Input of layer l ≥ 1 after dropout, {@code [T, N, D·H]}; index 0 unused (layer 0 reads x). */
        Object[] layerInput;
        /** Dropout keep flags (1 kept, 0 dropped) of layer l's input, {@code [T, N, D·H]}, or null without dropout. */
        byte[][] mask;
        /** Per (l·D + d): gate activations {@code [T, N, G·H]} (RNN: h'; LSTM: i, f, g, o; GRU: r, z, n). */
        Object[] act;
        /** Per (l·D + d): states after each step in iteration order, {@code [T, N, H]} (see Note [Padded sequences...]). */
        Object[] states;
        /** LSTM: cell states after each step, {@code [T, N, H]}. */
        Object[] cells;
        /** GRU: {@code W_hn h + b_hn} of each step, {@code [T, N, H]}. */
        Object[] hn;
        /** Per (l·D + d): initial h and c, {@code [N, H]} (zeros when none was given). */
        Object[] h0, c0;
        /** Written by backward-data: gradients of the input projection and of the recurrent projection (same array unless GRU). */
        Object[] dGx, dGh;
        private boolean closed;

        Reserve(RnnParams p, int steps, int batch, int[] lens, boolean isFloat) {
            this.p = p;
            this.steps = steps;
            this.batch = batch;
            this.lens = lens;
            this.isFloat = isFloat;
            int ld = p.numLayers() * p.directions();
            layerInput = new Object[p.numLayers()];
            mask = new byte[p.numLayers()][];
            act = new Object[ld];
            states = new Object[ld];
            cells = new Object[ld];
            hn = new Object[ld];
            h0 = new Object[ld];
            c0 = new Object[ld];
            dGx = new Object[ld];
            dGh = new Object[ld];
        }

        /** What layer-direction {@code ld}'s forward saved for the backward passes. */
        void keep(int ld, Object act, Object states, Object cells, Object hn, Object h0, Object c0) {
            this.act[ld] = act;
            this.states[ld] = states;
            this.cells[ld] = cells;
            this.hn[ld] = hn;
            this.h0[ld] = h0;
            this.c0[ld] = c0;
        }

        void checkOpen(String op) {
            if (closed) throw new IllegalStateException(op + ": the reserve of this " + p + " forward was already closed");
        }

        /** Bytes held (for tests and memory accounting). */
        public long byteSize() {
            long n = 0;
            for (Object[] group : new Object[][]{layerInput, act, states, cells, hn, h0, c0, dGx, dGh}) {
                if (group == null) continue;
                for (int i = 0; i < group.length; i++) {
                    Object a = group[i];
                    if (a == null || (group == dGh && a == dGx[i])) continue;
                    n += a instanceof float[] f ? 4L * f.length : 8L * ((double[]) a).length;
                }
            }
            if (mask != null) for (byte[] m : mask) if (m != null) n += m.length;
            return n;
        }

        /** Gives every array back to the CPU backend's pool (Note [RNN working memory]); a second close does nothing. */
        @Override
        public void close() {
            if (closed) return;
            closed = true;
            java.util.Set<Object> released = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (Object[] group : new Object[][]{layerInput, act, states, cells, hn, h0, c0, dGx, dGh})
                for (Object a : group)
                    if (a != null && released.add(a)) ScratchArrays.release(a);
            layerInput = act = states = cells = hn = h0 = c0 = dGx = dGh = null;
            mask = null;
        }
    }

    // =============================================================================================
    // Forward
    // =============================================================================================

    /**
     * Forward over the whole sequence (see {@code Backend.rnnForward}).
     *
     * @param lens N lengths in {@code [1, T]}, or null for all T
     * @param x {@code [T, N, inputSize]}
     * @param hx initial hidden state {@code [L·D, N, H]} or null
     * @param cx initial cell state (LSTM) {@code [L·D, N, H]} or null
     * @param w the {@code 4·L·D} weights in {@link RnnParams}' order; biases may be null
     * @param y {@code [T, N, D·H]}; hy, cy {@code [L·D, N, H]} or null
     * @return the reserve when training, else null
     */
    public static Reserve forward(RnnParams p, boolean training, long dropoutStream, int steps, int batch, int[] lens,
                                  Buf x, Buf hx, Buf cx, Buf[] w, Buf y, Buf hy, Buf cy) {
        boolean isFloat = x.array() instanceof float[];
        int[] len = lengths(lens, steps, batch);
        int L = p.numLayers(), D = p.directions(), H = p.hiddenSize(), DH = D * H;
        Reserve r = new Reserve(p, steps, batch, len, isFloat);
        boolean dropout = training && p.dropout() > 0;
        Object input = x.array();
        int inputOff = x.offset();
        for (int l = 0; l < L; l++) {
            boolean last = l == L - 1;
            Object out = last ? y.array() : scratch(isFloat, steps * batch * DH);
            int outOff = last ? y.offset() : 0;
            for (int d = 0; d < D; d++) {
                int ld = l * D + d;
                if (isFloat && Gemm.isVectorized())
                    layerDirectionForwardVector(p, l, d, steps, batch, len, (float[]) input, inputOff, w, hx, cx,
                            (float[]) out, outOff, r, ld);
                else
                    layerDirectionForward(p, l, d, steps, batch, len, input, inputOff, w, hx, cx, out, outOff, r, ld);
                int tEnd = d == 0 ? steps - 1 : 0;
                if (hy != null) copy(r.states[ld], (tEnd * batch) * H, hy.array(), hy.offset() + ld * batch * H, batch * H);
                if (cy != null && p.mode() == RnnMode.LSTM)
                    copy(r.cells[ld], (tEnd * batch) * H, cy.array(), cy.offset() + ld * batch * H, batch * H);
            }
            if (!last) {
                if (dropout) {
                    byte[] m = dropoutMask(p, dropoutStream, l, steps * batch * DH);
                    applyMask(out, 0, m, p.dropout(), steps * batch * DH);
                    r.mask[l + 1] = m;
                }
                r.layerInput[l + 1] = out;
                input = out;
                inputOff = 0;
            }
        }
        if (!training) {
            r.close();
            return null;
        }
        return r;
    }

    private static int[] lengths(int[] lens, int steps, int batch) {
        if (lens == null) {
            int[] all = new int[batch];
            java.util.Arrays.fill(all, steps);
            return all;
        }
        return lens.clone();
    }

    private static void layerDirectionForward(RnnParams p, int l, int d, int steps, int batch, int[] len,
                                              Object input, int inputOff, Buf[] w, Buf hx, Buf cx,
                                              Object out, int outOff, Reserve r, int ld) {
        boolean isFloat = r.isFloat;
        RnnMode mode = p.mode();
        int H = p.hiddenSize(), G = p.gates(), GH = G * H, in = p.layerInputSize(l), DH = p.outputSize();
        int TN = steps * batch;
        Buf wih = w[p.weightIndex(l, d, 0)], whh = w[p.weightIndex(l, d, 1)];
        Buf bih = w[p.weightIndex(l, d, 2)], bhh = w[p.weightIndex(l, d, 3)];

        // Input projection of every step at once; the activations later overwrite it in place.
        Object act = scratch(isFloat, TN * GH);
        gemm(false, true, TN, GH, in, input, inputOff, in, wih.array(), wih.offset(), in, 0, act, 0, GH);
        if (bih != null) addRowVector(act, 0, TN, GH, bih);
        double[] bh = bhh == null ? new double[GH] : toDouble(bhh, GH);

        Object states = scratch(isFloat, TN * H);
        Object cells = mode == RnnMode.LSTM ? scratch(isFloat, TN * H) : null;
        Object hnArr = mode == RnnMode.GRU ? scratch(isFloat, TN * H) : null;
        Object h0 = zeros(isFloat, batch * H), c0 = mode == RnnMode.LSTM ? zeros(isFloat, batch * H) : null;
        if (hx != null) copy(hx.array(), hx.offset() + ld * batch * H, h0, 0, batch * H);
        if (c0 != null && cx != null) copy(cx.array(), cx.offset() + ld * batch * H, c0, 0, batch * H);
        Object gh = scratch(isFloat, batch * GH);

        for (int s = 0; s < steps; s++) {
            int t = d == 0 ? s : steps - 1 - s;
            int tPrev = d == 0 ? t - 1 : t + 1;
            Object hPrev = s == 0 ? h0 : states, cPrev = s == 0 ? c0 : cells;
            int prevOff = s == 0 ? 0 : tPrev * batch * H;
            gemm(false, true, batch, GH, H, hPrev, prevOff, H, whh.array(), whh.offset(), H, 0, gh, 0, GH);
            int rowOff = t * batch;
            Parallel.forRange(batch, Math.max(1, GRAIN_ELEMENTS / GH), (n0, n1) -> {
                double[] gx = new double[GH], gr = new double[GH], hp = new double[H], cp = new double[H];
                double[] hNew = new double[H], cNew = new double[H], hnRow = new double[H];
                for (int n = n0; n < n1; n++) {
                    int sOff = (rowOff + n) * H;
                    int yOff = outOff + (rowOff + n) * DH + d * H;
                    load(hPrev, prevOff + n * H, hp, H);
                    if (t >= len[n]) {
                        // Padding: carry the state, output zero (Note [Padded sequences...]).
                        store(hp, states, sOff, H);
                        if (cells != null) {
                            load(cPrev, prevOff + n * H, cp, H);
                            store(cp, cells, sOff, H);
                        }
                        fillZero(out, yOff, H);
                        continue;
                    }
                    load(act, (rowOff + n) * GH, gx, GH);
                    load(gh, n * GH, gr, GH);
                    for (int j = 0; j < GH; j++) gr[j] += bh[j];
                    switch (mode) {
                        case RNN_TANH -> {
                            for (int j = 0; j < H; j++) hNew[j] = gx[j] = Math.tanh(gx[j] + gr[j]);
                        }
                        case RNN_RELU -> {
                            for (int j = 0; j < H; j++) hNew[j] = gx[j] = Math.max(gx[j] + gr[j], 0);
                        }
                        case LSTM -> {
                            load(cPrev, prevOff + n * H, cp, H);
                            for (int j = 0; j < H; j++) {
                                double i = sigmoid(gx[j] + gr[j]);
                                double f = sigmoid(gx[H + j] + gr[H + j]);
                                double g = Math.tanh(gx[2 * H + j] + gr[2 * H + j]);
                                double o = sigmoid(gx[3 * H + j] + gr[3 * H + j]);
                                double c = f * cp[j] + i * g;
                                gx[j] = i;
                                gx[H + j] = f;
                                gx[2 * H + j] = g;
                                gx[3 * H + j] = o;
                                cNew[j] = c;
                                hNew[j] = o * Math.tanh(c);
                            }
                            store(cNew, cells, sOff, H);
                        }
                        case GRU -> {
                            for (int j = 0; j < H; j++) {
                                double rg = sigmoid(gx[j] + gr[j]);
                                double z = sigmoid(gx[H + j] + gr[H + j]);
                                double hn = gr[2 * H + j];
                                double nn = Math.tanh(gx[2 * H + j] + rg * hn);
                                gx[j] = rg;
                                gx[H + j] = z;
                                gx[2 * H + j] = nn;
                                hnRow[j] = hn;
                                hNew[j] = (1 - z) * nn + z * hp[j];
                            }
                            store(hnRow, hnArr, sOff, H);
                        }
                    }
                    store(gx, act, (rowOff + n) * GH, GH);
                    store(hNew, states, sOff, H);
                    store(hNew, out, yOff, H);
                }
            });
        }
        ScratchArrays.release(gh);
        r.keep(ld, act, states, cells, hnArr, h0, c0);
    }

    /** {@link #layerDirectionForward} on float32 with the Vector API (Note [RNN float fast path]). */
    private static void layerDirectionForwardVector(RnnParams p, int l, int d, int steps, int batch, int[] len,
                                                    float[] input, int inputOff, Buf[] w, Buf hx, Buf cx,
                                                    float[] out, int outOff, Reserve r, int ld) {
        RnnMode mode = p.mode();
        int H = p.hiddenSize(), GH = p.gates() * H, in = p.layerInputSize(l), DH = p.outputSize();
        int TN = steps * batch;
        Buf wih = w[p.weightIndex(l, d, 0)], whh = w[p.weightIndex(l, d, 1)];
        Buf bih = w[p.weightIndex(l, d, 2)], bhh = w[p.weightIndex(l, d, 3)];

        float[] act = ScratchArrays.floats(TN * GH);
        Gemm.sgemm(false, true, TN, GH, in, 1f, input, inputOff, in, (float[]) wih.array(), wih.offset(), in, 0f, act, 0, GH);
        // Both biases at once, in double and rounded once; GRU's b_hn stays apart (it is scaled by r).
        double[] bias = new double[GH];
        int foldedRecurrent = mode == RnnMode.GRU ? 2 * H : GH;
        if (bih != null) load(bih.array(), bih.offset(), bias, GH);
        float[] bhn = new float[H];
        if (bhh != null) {
            float[] b = (float[]) bhh.array();
            for (int j = 0; j < foldedRecurrent; j++) bias[j] += b[bhh.offset() + j];
            if (mode == RnnMode.GRU) System.arraycopy(b, bhh.offset() + 2 * H, bhn, 0, H);
        }
        if (bih != null || bhh != null) addRowVector(act, 0, TN, GH, bias);
        PackedFloatB whhT = Gemm.packB(true, H, GH, (float[]) whh.array(), whh.offset(), H);

        float[] states = ScratchArrays.floats(TN * H);
        float[] cells = mode == RnnMode.LSTM ? ScratchArrays.floats(TN * H) : null;
        float[] hnArr = mode == RnnMode.GRU ? ScratchArrays.floats(TN * H) : null;
        float[] h0 = (float[]) zeros(true, batch * H), c0 = mode == RnnMode.LSTM ? (float[]) zeros(true, batch * H) : null;
        if (hx != null) copy(hx.array(), hx.offset() + ld * batch * H, h0, 0, batch * H);
        if (c0 != null && cx != null) copy(cx.array(), cx.offset() + ld * batch * H, c0, 0, batch * H);
        float[] gh = ScratchArrays.floats(batch * GH);

        for (int s = 0; s < steps; s++) {
            int t = d == 0 ? s : steps - 1 - s;
            int tPrev = d == 0 ? t - 1 : t + 1;
            float[] hPrev = s == 0 ? h0 : states, cPrev = s == 0 ? c0 : cells;
            int prevOff = s == 0 ? 0 : tPrev * batch * H;
            Gemm.sgemm(false, batch, 1f, hPrev, prevOff, H, whhT, 0f, gh, 0, GH);
            int rowOff = t * batch;
            Parallel.forRange(batch, Math.max(1, GRAIN_ELEMENTS / GH), (n0, n1) -> {
                for (int n = n0; n < n1; n++) {
                    int sOff = (rowOff + n) * H, pOff = prevOff + n * H;
                    int yOff = outOff + (rowOff + n) * DH + d * H, aOff = (rowOff + n) * GH;
                    if (t >= len[n]) {
                        // Padding: carry the state, output zero (Note [Padded sequences...]).
                        System.arraycopy(hPrev, pOff, states, sOff, H);
                        if (cells != null) System.arraycopy(cPrev, pOff, cells, sOff, H);
                        java.util.Arrays.fill(out, yOff, yOff + H, 0f);
                        continue;
                    }
                    switch (mode) {
                        case RNN_TANH, RNN_RELU -> VectorRnnCells.simpleForward(mode == RnnMode.RNN_RELU, H, act, aOff,
                                gh, n * GH, states, sOff, out, yOff);
                        case LSTM -> VectorRnnCells.lstmForward(H, act, aOff, gh, n * GH, cPrev, pOff, cells, sOff,
                                states, sOff, out, yOff);
                        case GRU -> VectorRnnCells.gruForward(H, act, aOff, gh, n * GH, bhn, hPrev, pOff, hnArr, sOff,
                                states, sOff, out, yOff);
                    }
                }
            });
        }
        whhT.close();
        ScratchArrays.release(gh);
        r.keep(ld, act, states, cells, hnArr, h0, c0);
    }

    /**
     * Keep flags of every element of layer l's output, drawn as {@code CpuBackend.dropout} draws a
     * tensor: element e of the logical mask {@code [L−1, T, N, D·H]} is kept iff its Philox float
     * uniform is {@code >= p}.
     */
    static byte[] dropoutMask(RnnParams p, long stream, int layer, int count) {
        byte[] m = new byte[count];
        float pf = (float) p.dropout();
        long base = (long) layer * count;
        Parallel.forRange((count + RANDOM_CHUNK - 1) / RANDOM_CHUNK, 1, (c0, c1) -> {
            float[] u = new float[RANDOM_CHUNK];
            for (int c = c0; c < c1; c++) {
                int start = c * RANDOM_CHUNK, n = Math.min(RANDOM_CHUNK, count - start);
                Philox.fillUniform(p.dropoutSeed(), stream, base + start, u, 0, n, 0f, 1f);
                for (int i = 0; i < n; i++) m[start + i] = (byte) (u[i] >= pf ? 1 : 0);
            }
        });
        return m;
    }

    // =============================================================================================
    // Backward
    // =============================================================================================

    /**
     * Backpropagation through time for the data (see {@code Backend.rnnBackwardData}); leaves the
     * gate gradients in the reserve for {@link #backwardWeights}.
     *
     * @param dy {@code [T, N, D·H]}; dhy, dcy {@code [L·D, N, H]} or null
     * @param dx written {@code [T, N, inputSize]}; dhx, dcx written {@code [L·D, N, H]} or null
     */
    public static void backwardData(Reserve r, Buf dy, Buf dhy, Buf dcy, Buf[] w, Buf dx, Buf dhx, Buf dcx) {
        r.checkOpen("rnnBackwardData");
        RnnParams p = r.p;
        int L = p.numLayers(), D = p.directions(), steps = r.steps, batch = r.batch, TN = steps * batch;
        Object dOut = dy.array();
        int dOutOff = dy.offset();
        for (int l = L - 1; l >= 0; l--) {
            int in = p.layerInputSize(l);
            Object dIn = l == 0 ? dx.array() : scratch(r.isFloat, TN * in);
            int dInOff = l == 0 ? dx.offset() : 0;
            for (int d = 0; d < D; d++) {
                int ld = l * D + d;
                if (r.isFloat && Gemm.isVectorized())
                    layerDirectionBackwardVector(p, l, d, r, ld, (float[]) dOut, dOutOff, dhy, dcy, w, dhx, dcx);
                else
                    layerDirectionBackward(p, l, d, r, ld, dOut, dOutOff, dhy, dcy, w, dhx, dcx);
                Buf wih = w[p.weightIndex(l, d, 0)];
                int GH = p.gates() * p.hiddenSize();
                // dX_l (+)= dGx · W_ih; the second direction accumulates onto the first.
                gemm(false, false, TN, in, GH, r.dGx[ld], 0, GH, wih.array(), wih.offset(), in, d == 0 ? 0 : 1, dIn, dInOff, in);
            }
            if (l > 0 && r.mask[l] != null) applyMask(dIn, 0, r.mask[l], p.dropout(), TN * in);
            if (dOut != dy.array()) ScratchArrays.release(dOut); // the gradient of layer l's output, now consumed
            dOut = dIn;
            dOutOff = dInOff;
        }
    }

    private static void layerDirectionBackward(RnnParams p, int l, int d, Reserve r, int ld, Object dOut, int dOutOff,
                                               Buf dhy, Buf dcy, Buf[] w, Buf dhx, Buf dcx) {
        boolean isFloat = r.isFloat;
        RnnMode mode = p.mode();
        int steps = r.steps, batch = r.batch, H = p.hiddenSize(), GH = p.gates() * H, DH = p.outputSize();
        int[] len = r.lens;
        Buf whh = w[p.weightIndex(l, d, 1)];
        Object act = r.act[ld], states = r.states[ld], cells = r.cells[ld], hnArr = r.hn[ld];
        Object h0 = r.h0[ld], c0 = r.c0[ld];
        // Padded rows keep a zero gate gradient; without padding every row is written.
        boolean padded = hasPadding(len, steps);
        Object dGx = padded ? zeros(isFloat, steps * batch * GH) : scratch(isFloat, steps * batch * GH);
        Object dGh = mode != RnnMode.GRU ? dGx : padded ? zeros(isFloat, steps * batch * GH) : scratch(isFloat, steps * batch * GH);
        // Gradients w.r.t. the state carried into the current step, in double (they are summed, not stored).
        double[] dh = new double[batch * H], dc = new double[batch * H];
        if (dhy != null) load(dhy.array(), dhy.offset() + ld * batch * H, dh, batch * H);
        if (dcy != null && mode == RnnMode.LSTM) load(dcy.array(), dcy.offset() + ld * batch * H, dc, batch * H);
        Object dhRec = scratch(isFloat, batch * H);
        double[] direct = new double[batch * H];

        for (int s = steps - 1; s >= 0; s--) {
            int t = d == 0 ? s : steps - 1 - s;
            int tPrev = d == 0 ? t - 1 : t + 1;
            Object hPrev = s == 0 ? h0 : states, cPrev = s == 0 ? c0 : cells;
            int prevOff = s == 0 ? 0 : tPrev * batch * H;
            int rowOff = t * batch;
            Parallel.forRange(batch, Math.max(1, GRAIN_ELEMENTS / GH), (n0, n1) -> {
                double[] a = new double[GH], gx = new double[GH], gh = new double[GH];
                double[] hp = new double[H], cp = new double[H], cRow = new double[H], hnRow = new double[H], dyRow = new double[H];
                for (int n = n0; n < n1; n++) {
                    if (t >= len[n]) continue; // padding: zero gate gradient (fresh array), state gradient carried
                    int row = rowOff + n, hOff = n * H;
                    load(act, row * GH, a, GH);
                    load(dOut, dOutOff + row * DH + d * H, dyRow, H);
                    for (int j = 0; j < H; j++) dyRow[j] += dh[hOff + j];   // total dL/dh_t
                    switch (mode) {
                        case RNN_TANH -> {
                            for (int j = 0; j < H; j++) {
                                gx[j] = dyRow[j] * (1 - a[j] * a[j]);
                                direct[hOff + j] = 0;
                            }
                        }
                        case RNN_RELU -> {
                            for (int j = 0; j < H; j++) {
                                gx[j] = a[j] > 0 ? dyRow[j] : 0;
                                direct[hOff + j] = 0;
                            }
                        }
                        case LSTM -> {
                            load(cells, row * H, cRow, H);
                            load(cPrev, prevOff + hOff, cp, H);
                            for (int j = 0; j < H; j++) {
                                double i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];
                                double tc = Math.tanh(cRow[j]);
                                double dcTot = dc[hOff + j] + dyRow[j] * o * (1 - tc * tc);
                                gx[j] = dcTot * g * i * (1 - i);
                                gx[H + j] = dcTot * cp[j] * f * (1 - f);
                                gx[2 * H + j] = dcTot * i * (1 - g * g);
                                gx[3 * H + j] = dyRow[j] * tc * o * (1 - o);
                                dc[hOff + j] = dcTot * f;
                                direct[hOff + j] = 0;
                            }
                        }
                        case GRU -> {
                            load(hPrev, prevOff + hOff, hp, H);
                            load(hnArr, row * H, hnRow, H);
                            for (int j = 0; j < H; j++) {
                                double rg = a[j], z = a[H + j], nn = a[2 * H + j];
                                double dnPre = dyRow[j] * (1 - z) * (1 - nn * nn);
                                gx[j] = dnPre * hnRow[j] * rg * (1 - rg);
                                gx[H + j] = dyRow[j] * (hp[j] - nn) * z * (1 - z);
                                gx[2 * H + j] = dnPre;
                                gh[j] = gx[j];
                                gh[H + j] = gx[H + j];
                                gh[2 * H + j] = dnPre * rg;
                                direct[hOff + j] = dyRow[j] * z;
                            }
                            store(gh, dGh, row * GH, GH);
                        }
                    }
                    store(gx, dGx, row * GH, GH);
                }
            });
            // dh_prev = dGh_t · W_hh for all rows (padded rows have dGh = 0 and keep their carried gradient).
            gemm(false, false, batch, H, GH, dGh, rowOff * GH, GH, whh.array(), whh.offset(), H, 0, dhRec, 0, H);
            Parallel.forRange(batch, Math.max(1, GRAIN_ELEMENTS / H), (n0, n1) -> {
                double[] rec = new double[H];
                for (int n = n0; n < n1; n++) {
                    if (t >= len[n]) continue;
                    load(dhRec, n * H, rec, H);
                    for (int j = 0; j < H; j++) dh[n * H + j] = rec[j] + direct[n * H + j];
                }
            });
        }
        if (dhx != null) store(dh, dhx.array(), dhx.offset() + ld * batch * H, batch * H);
        if (dcx != null && mode == RnnMode.LSTM) store(dc, dcx.array(), dcx.offset() + ld * batch * H, batch * H);
        ScratchArrays.release(dhRec);
        r.dGx[ld] = dGx;
        r.dGh[ld] = dGh;
    }

    /** {@link #layerDirectionBackward} on float32 with the Vector API (Note [RNN float fast path]). */
    private static void layerDirectionBackwardVector(RnnParams p, int l, int d, Reserve r, int ld, float[] dOut, int dOutOff,
                                                     Buf dhy, Buf dcy, Buf[] w, Buf dhx, Buf dcx) {
        RnnMode mode = p.mode();
        int steps = r.steps, batch = r.batch, H = p.hiddenSize(), GH = p.gates() * H, DH = p.outputSize();
        int[] len = r.lens;
        int minLen = steps;
        for (int v : len) minLen = Math.min(minLen, v);
        Buf whh = w[p.weightIndex(l, d, 1)];
        PackedFloatB whhP = Gemm.packB(false, GH, H, (float[]) whh.array(), whh.offset(), H);
        float[] act = (float[]) r.act[ld], states = (float[]) r.states[ld], cells = (float[]) r.cells[ld];
        float[] hnArr = (float[]) r.hn[ld], h0 = (float[]) r.h0[ld], c0 = (float[]) r.c0[ld];
        // Padded rows keep a zero gate gradient; without padding every row is written.
        boolean padded = minLen < steps;
        float[] dGx = (float[]) (padded ? zeros(true, steps * batch * GH) : scratch(true, steps * batch * GH));
        float[] dGh = mode != RnnMode.GRU ? dGx : (float[]) (padded ? zeros(true, steps * batch * GH) : scratch(true, steps * batch * GH));
        // Gradients w.r.t. the state carried into the current step.
        float[] dh = new float[batch * H], dc = new float[batch * H];
        if (dhy != null) copy(dhy.array(), dhy.offset() + ld * batch * H, dh, 0, batch * H);
        if (dcy != null && mode == RnnMode.LSTM) copy(dcy.array(), dcy.offset() + ld * batch * H, dc, 0, batch * H);
        float[] dhRec = ScratchArrays.floats(batch * H);
        float[] direct = mode == RnnMode.GRU ? ScratchArrays.floats(batch * H) : null;

        for (int s = steps - 1; s >= 0; s--) {
            int t = d == 0 ? s : steps - 1 - s;
            int tPrev = d == 0 ? t - 1 : t + 1;
            float[] hPrev = s == 0 ? h0 : states, cPrev = s == 0 ? c0 : cells;
            int prevOff = s == 0 ? 0 : tPrev * batch * H;
            int rowOff = t * batch;
            Parallel.forRange(batch, Math.max(1, GRAIN_ELEMENTS / GH), (n0, n1) -> {
                for (int n = n0; n < n1; n++) {
                    if (t >= len[n]) continue; // padding: zero gate gradient (fresh array), state gradient carried
                    int row = rowOff + n, hOff = n * H, dyOff = dOutOff + row * DH + d * H;
                    switch (mode) {
                        case RNN_TANH, RNN_RELU -> VectorRnnCells.simpleBackward(mode == RnnMode.RNN_RELU, H, act, row * GH,
                                dOut, dyOff, dh, hOff, dGx, row * GH);
                        case LSTM -> VectorRnnCells.lstmBackward(H, act, row * GH, cells, row * H, cPrev, prevOff + hOff,
                                dOut, dyOff, dh, hOff, dc, hOff, dGx, row * GH);
                        case GRU -> VectorRnnCells.gruBackward(H, act, row * GH, hPrev, prevOff + hOff, hnArr, row * H,
                                dOut, dyOff, dh, hOff, dGx, dGh, row * GH, direct, hOff);
                    }
                }
            });
            if (t < minLen) {
                // Every row is active: dh_prev = dGh_t · W_hh (+ the GRU's direct path) straight into dh.
                if (direct != null) System.arraycopy(direct, 0, dh, 0, batch * H);
                Gemm.sgemm(false, batch, 1f, dGh, rowOff * GH, GH, whhP, direct != null ? 1f : 0f, dh, 0, H);
                continue;
            }
            // Padded rows keep their carried gradient, so the product goes through a scratch first.
            Gemm.sgemm(false, batch, 1f, dGh, rowOff * GH, GH, whhP, 0f, dhRec, 0, H);
            for (int n = 0; n < batch; n++) {
                if (t >= len[n]) continue;
                for (int j = n * H; j < (n + 1) * H; j++) dh[j] = direct != null ? dhRec[j] + direct[j] : dhRec[j];
            }
        }
        if (dhx != null) copy(dh, 0, dhx.array(), dhx.offset() + ld * batch * H, batch * H);
        if (dcx != null && mode == RnnMode.LSTM) copy(dc, 0, dcx.array(), dcx.offset() + ld * batch * H, batch * H);
        whhP.close();
        ScratchArrays.release(dhRec);
        ScratchArrays.release(direct);
        r.dGx[ld] = dGx;
        r.dGh[ld] = dGh;
    }

    /**
     * Weight gradients from the gate gradients left by {@link #backwardData} (see
     * {@code Backend.rnnBackwardWeights}); overwrites every non-null entry of {@code dw}.
     *
     * @param x the forward input {@code [T, N, inputSize]}
     */
    public static void backwardWeights(Reserve r, Buf x, Buf[] dw) {
        r.checkOpen("rnnBackwardWeights");
        RnnParams p = r.p;
        int D = p.directions(), steps = r.steps, batch = r.batch, TN = steps * batch;
        int H = p.hiddenSize(), GH = p.gates() * H;
        for (int l = 0; l < p.numLayers(); l++) {
            int in = p.layerInputSize(l);
            Object input = l == 0 ? x.array() : r.layerInput[l];
            int inputOff = l == 0 ? x.offset() : 0;
            for (int d = 0; d < D; d++) {
                int ld = l * D + d;
                Object dGx = r.dGx[ld], dGh = r.dGh[ld];
                if (dGx == null)
                    throw new IllegalStateException("rnnBackwardWeights: call rnnBackwardData first (it computes the gate gradients)");
                Buf dWih = dw[p.weightIndex(l, d, 0)], dWhh = dw[p.weightIndex(l, d, 1)];
                Buf dBih = dw[p.weightIndex(l, d, 2)], dBhh = dw[p.weightIndex(l, d, 3)];
                if (dWih != null)
                    gemm(true, false, GH, in, TN, dGx, 0, GH, input, inputOff, in, 0, dWih.array(), dWih.offset(), in);
                if (dWhh != null) {
                    // H_prev is h0 at the first step of the iteration order, else the state saved at the neighbouring step:
                    // forward: steps 1..T−1 read S[0..T−2]; reverse: steps 0..T−2 read S[1..T−1].
                    int firstT = d == 0 ? 0 : steps - 1;
                    gemm(true, false, GH, H, batch, dGh, firstT * batch * GH, GH, r.h0[ld], 0, H, 0, dWhh.array(), dWhh.offset(), H);
                    if (steps > 1) {
                        int gOff = d == 0 ? batch * GH : 0, sOff = d == 0 ? 0 : batch * H;
                        gemm(true, false, GH, H, (steps - 1) * batch, dGh, gOff, GH, r.states[ld], sOff, H, 1,
                                dWhh.array(), dWhh.offset(), H);
                    }
                }
                if (dBih != null) columnSums(dGx, TN, GH, dBih);
                if (dBhh != null) columnSums(dGh, TN, GH, dBhh);
            }
        }
    }

    // =============================================================================================
    // Dense helpers on float[] / double[]
    // =============================================================================================

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    /** A pooled array with unspecified contents (Note [RNN working memory]). */
    private static Object scratch(boolean isFloat, int n) {
        return isFloat ? ScratchArrays.floats(n) : ScratchArrays.doubles(n);
    }

    /** A pooled array of zeros. */
    private static Object zeros(boolean isFloat, int n) {
        Object a = scratch(isFloat, n);
        fillZero(a, 0, n);
        return a;
    }

    private static boolean hasPadding(int[] len, int steps) {
        for (int v : len) if (v < steps) return true;
        return false;
    }

    private static void gemm(boolean ta, boolean tb, int m, int n, int k, Object a, int aOff, int lda, Object b, int bOff, int ldb,
                             double beta, Object c, int cOff, int ldc) {
        if (c instanceof float[] cf)
            Gemm.sgemm(ta, tb, m, n, k, 1f, (float[]) a, aOff, lda, (float[]) b, bOff, ldb, (float) beta, cf, cOff, ldc);
        else
            Gemm.dgemm(ta, tb, m, n, k, 1, (double[]) a, aOff, lda, (double[]) b, bOff, ldb, beta, (double[]) c, cOff, ldc);
    }

    private static void load(Object src, int off, double[] dst, int n) {
        if (src instanceof float[] f) for (int i = 0; i < n; i++) dst[i] = f[off + i];
        else System.arraycopy((double[]) src, off, dst, 0, n);
    }

    private static void store(double[] src, Object dst, int off, int n) {
        if (dst instanceof float[] f) for (int i = 0; i < n; i++) f[off + i] = (float) src[i];
        else System.arraycopy(src, 0, (double[]) dst, off, n);
    }

    private static void copy(Object src, int srcOff, Object dst, int dstOff, int n) {
        System.arraycopy(src, srcOff, dst, dstOff, n);
    }

    private static void fillZero(Object a, int off, int n) {
        if (a instanceof float[] f) java.util.Arrays.fill(f, off, off + n, 0f);
        else java.util.Arrays.fill((double[]) a, off, off + n, 0.0);
    }

    private static double[] toDouble(Buf b, int n) {
        double[] v = new double[n];
        load(b.array(), b.offset(), v, n);
        return v;
    }

    private static void addRowVector(Object m, int off, int rows, int cols, Buf v) {
        addRowVector(m, off, rows, cols, toDouble(v, cols));
    }

    private static void addRowVector(Object m, int off, int rows, int cols, double[] b) {
        Parallel.forRange(rows, Math.max(1, GRAIN_ELEMENTS / cols), (r0, r1) -> {
            if (m instanceof float[] f) {
                for (int r = r0; r < r1; r++) for (int j = 0, o = off + r * cols; j < cols; j++) f[o + j] += (float) b[j];
            } else {
                double[] a = (double[]) m;
                for (int r = r0; r < r1; r++) for (int j = 0, o = off + r * cols; j < cols; j++) a[o + j] += b[j];
            }
        });
    }

    /** Inverted dropout in place: multiplies by {@code 1/(1 − p)} (rounded to the dtype) or 0, exactly as CpuBackend.dropout. */
    private static void applyMask(Object a, int off, byte[] keep, double p, int n) {
        double scale = 1 / (1 - p);
        if (a instanceof float[] f) {
            float fs = (float) scale;
            for (int i = 0; i < n; i++) f[off + i] *= keep[i] != 0 ? fs : 0f;
        } else {
            double[] d = (double[]) a;
            for (int i = 0; i < n; i++) d[off + i] *= keep[i] != 0 ? scale : 0.0;
        }
    }

    /** {@code out[j] = Σ_r m[r, j]} in double. */
    private static void columnSums(Object m, int rows, int cols, Buf out) {
        double[] s = new double[cols];
        if (m instanceof float[] f) {
            for (int r = 0; r < rows; r++) for (int j = 0, o = r * cols; j < cols; j++) s[j] += f[o + j];
        } else {
            double[] a = (double[]) m;
            for (int r = 0; r < rows; r++) for (int j = 0, o = r * cols; j < cols; j++) s[j] += a[o + j];
        }
        store(s, out.array(), out.offset(), cols);
    }
}
