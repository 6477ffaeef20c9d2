package dev.dendrite;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * The textbook twin of the tensor ops: a dense row-major array of doubles with a shape, and every
 * op written as plain loops over multi-indices, as a first course would write it. Slow, obvious and
 * independent of the strides, segments and odometers of the CPU backend it checks.
 */
final class Nd {
    final int[] shape;
    final double[] v;

    Nd(int[] shape, double[] v) {
        if (numel(shape) != v.length)
            throw new IllegalArgumentException("Nd: " + v.length + " values for shape " + Arrays.toString(shape));
        this.shape = shape.clone();
        this.v = v;
    }

    static Nd of(Tensor t) {
        return new Nd(t.shape().toArray(), t.toDoubleArray());
    }

    static Nd zeros(int... shape) {
        return new Nd(shape, new double[numel(shape)]);
    }

    /** Values in [-2, 2) that are exact in float32 (so both dtypes see the same inputs). */
    static Nd random(long seed, int... shape) {
        Random r = new Random(seed);
        double[] v = new double[numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (4 * r.nextDouble() - 2);
        return new Nd(shape, v);
    }

    /** Small integers in [lo, hi], exact in every dtype. */
    static Nd randomInts(long seed, int lo, int hi, int... shape) {
        Random r = new Random(seed);
        double[] v = new double[numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = lo + r.nextInt(hi - lo + 1);
        return new Nd(shape, v);
    }

    /** 0, 1, 2, ... in row-major order. */
    static Nd iota(int... shape) {
        double[] v = new double[numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = i;
        return new Nd(shape, v);
    }

    int rank() {
        return shape.length;
    }

    int numel() {
        return v.length;
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** The multi-index of row-major position {@code flat}. */
    static int[] unravel(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            idx[i] = flat % shape[i];
            flat /= shape[i];
        }
        return idx;
    }

    /** The row-major position of a multi-index. */
    static int ravel(int[] idx, int[] shape) {
        int flat = 0;
        for (int i = 0; i < shape.length; i++) flat = flat * shape[i] + idx[i];
        return flat;
    }

    double at(int... idx) {
        return v[ravel(idx, shape)];
    }

    private static int axis(int a, int rank) {
        return a < 0 ? a + rank : a;
    }

    /** A tensor holding these values in {@code dtype} on the default backend. */
    Tensor tensor(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> {
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
                yield Tensor.fromArray(f, shape);
            }
            case FLOAT64 -> Tensor.fromArray(v.clone(), shape);
            case INT32 -> {
                int[] a = new int[v.length];
                for (int i = 0; i < v.length; i++) a[i] = (int) v[i];
                yield Tensor.fromArray(a, shape);
            }
            case INT64 -> {
                long[] a = new long[v.length];
                for (int i = 0; i < v.length; i++) a[i] = (long) v[i];
                yield Tensor.fromArray(a, shape);
            }
        };
    }

    /** These values rounded as {@code dtype} stores them. */
    Nd as(DType dtype) {
        return map(x -> switch (dtype) {
            case FLOAT32 -> (float) x;
            case FLOAT64 -> x;
            case INT32 -> (int) x;
            case INT64 -> (long) x;
        });
    }

    // ---- elementwise -------------------------------------------------------------------------

    Nd map(DoubleUnaryOperator f) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = f.applyAsDouble(v[i]);
        return new Nd(shape, out);
    }

    /** NumPy broadcast shape, or null when the shapes do not broadcast. */
    static int[] broadcastShape(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.length ? 1 : a[i - (r - a.length)];
            int db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1) return null;
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** The element of this array that output index {@code outIdx} of a broadcast reads. */
    private double broadcastAt(int[] outIdx) {
        int off = outIdx.length - shape.length;
        int[] idx = new int[shape.length];
        for (int i = 0; i < shape.length; i++) idx[i] = shape[i] == 1 ? 0 : outIdx[i + off];
        return at(idx);
    }

    static Nd zip(Nd a, Nd b, DoubleBinaryOperator f) {
        int[] out = broadcastShape(a.shape, b.shape);
        if (out == null) throw new IllegalArgumentException("Nd.zip: " + Arrays.toString(a.shape) + " vs " + Arrays.toString(b.shape));
        double[] r = new double[numel(out)];
        for (int i = 0; i < r.length; i++) {
            int[] idx = unravel(i, out);
            r[i] = f.applyAsDouble(a.broadcastAt(idx), b.broadcastAt(idx));
        }
        return new Nd(out, r);
    }

    Nd expand(int... target) {
        double[] r = new double[numel(target)];
        for (int i = 0; i < r.length; i++) r[i] = broadcastAt(unravel(i, target));
        return new Nd(target, r);
    }

    // ---- reductions --------------------------------------------------------------------------

    private boolean[] reducedMask(int[] axes) {
        boolean[] red = new boolean[rank()];
        if (axes == null || axes.length == 0) Arrays.fill(red, true);
        else for (int a : axes) red[axis(a, rank())] = true;
        return red;
    }

    private int[] keptShape(boolean[] red, boolean keepDim) {
        int[] out = new int[rank()];
        int n = 0;
        for (int i = 0; i < rank(); i++) {
            if (!red[i]) out[n++] = shape[i];
            else if (keepDim) out[n++] = 1;
        }
        return Arrays.copyOf(out, n);
    }

    /** Folds every element into the output element it reduces to: {@code acc = f(acc, x)} from {@code init}. */
    Nd reduce(int[] axes, boolean keepDim, double init, DoubleBinaryOperator f) {
        boolean[] red = reducedMask(axes);
        int[] keep = keptShape(red, true);
        double[] out = new double[numel(keep)];
        Arrays.fill(out, init);
        for (int i = 0; i < v.length; i++) {
            int[] idx = unravel(i, shape);
            for (int d = 0; d < rank(); d++) if (red[d]) idx[d] = 0;
            int o = ravel(idx, keep);
            out[o] = f.applyAsDouble(out[o], v[i]);
        }
        return new Nd(keptShape(red, keepDim), out);
    }

    int reducedCount(int[] axes) {
        boolean[] red = reducedMask(axes);
        int n = 1;
        for (int i = 0; i < rank(); i++) if (red[i]) n *= shape[i];
        return n;
    }

    Nd sum(int[] axes, boolean keepDim) {
        return reduce(axes, keepDim, 0, Double::sum);
    }

    Nd mean(int[] axes, boolean keepDim) {
        int n = reducedCount(axes);
        return sum(axes, keepDim).map(x -> x / n);
    }

    Nd max(int[] axes, boolean keepDim) {
        return reduce(axes, keepDim, Double.NEGATIVE_INFINITY, (acc, x) -> x > acc || Double.isNaN(x) ? x : acc);
    }

    Nd min(int[] axes, boolean keepDim) {
        return reduce(axes, keepDim, Double.POSITIVE_INFINITY, (acc, x) -> x < acc || Double.isNaN(x) ? x : acc);
    }

    /** Σ (x − mean)² / (n or n − 1), two passes. */
    Nd variance(int[] axes, boolean unbiased, boolean keepDim) {
        int n = reducedCount(axes);
        Nd mean = mean(axes, true);
        Nd sq = zip(this, mean, (x, m) -> (x - m) * (x - m));
        return sq.sum(axes, keepDim).map(x -> x / (unbiased ? n - 1 : n));
    }

    /** Index of the first maximum (or minimum) along {@code axis}. */
    Nd argExtreme(int axis, boolean max, boolean keepDim) {
        int a = axis(axis, rank());
        boolean[] red = new boolean[rank()];
        red[a] = true;
        int[] keep = keptShape(red, true);
        double[] out = new double[numel(keep)];
        for (int o = 0; o < out.length; o++) {
            int[] idx = unravel(o, keep);
            int best = 0;
            double bestV = at(idx);
            for (int i = 1; i < shape[a]; i++) {
                idx[a] = i;
                double x = at(idx);
                if (max ? x > bestV : x < bestV) {
                    bestV = x;
                    best = i;
                }
            }
            out[o] = best;
        }
        return new Nd(keptShape(red, keepDim), out);
    }

    /** Softmax along {@code axis} from the definition e^x / Σ e^x (inputs here are small, no shift needed). */
    Nd softmax(int axis) {
        int a = axis(axis, rank());
        Nd e = map(Math::exp);
        Nd s = e.sum(new int[]{a}, true);
        return zip(e, s, (x, t) -> x / t);
    }

    Nd logSoftmax(int axis) {
        int a = axis(axis, rank());
        Nd s = map(Math::exp).sum(new int[]{a}, true).map(Math::log);
        return zip(this, s, (x, t) -> x - t);
    }

    // ---- layout ------------------------------------------------------------------------------

    Nd reshape(int... dims) {
        return new Nd(dims, v.clone());
    }

    /** Result dimension i is dimension perm[i] of this array. */
    Nd permute(int... perm) {
        int[] out = new int[rank()];
        for (int i = 0; i < rank(); i++) out[i] = shape[axis(perm[i], rank())];
        double[] r = new double[v.length];
        for (int i = 0; i < r.length; i++) {
            int[] oi = unravel(i, out);
            int[] si = new int[rank()];
            for (int d = 0; d < rank(); d++) si[axis(perm[d], rank())] = oi[d];
            r[i] = at(si);
        }
        return new Nd(out, r);
    }

    Nd slice(int axis, int start, int end, int step) {
        int a = axis(axis, rank());
        int len = 0;
        for (int i = start; i < end; i += step) len++;
        int[] out = shape.clone();
        out[a] = len;
        double[] r = new double[numel(out)];
        for (int i = 0; i < r.length; i++) {
            int[] idx = unravel(i, out);
            idx[a] = start + idx[a] * step;
            r[i] = at(idx);
        }
        return new Nd(out, r);
    }

    static Nd concat(List<Nd> parts, int axis) {
        int a = axis(axis, parts.get(0).rank());
        int[] out = parts.get(0).shape.clone();
        out[a] = 0;
        for (Nd p : parts) out[a] += p.shape[a];
        double[] r = new double[numel(out)];
        for (int i = 0; i < r.length; i++) {
            int[] idx = unravel(i, out);
            int k = idx[a];
            for (Nd p : parts) {
                if (k < p.shape[a]) {
                    idx[a] = k;
                    r[i] = p.at(idx);
                    break;
                }
                k -= p.shape[a];
            }
        }
        return new Nd(out, r);
    }

    // ---- matmul ------------------------------------------------------------------------------

    /**
     * NumPy matmul: 1-D operands promoted to [1,k] / [k,1] and the added dimension removed; batch
     * dimensions broadcast; each output element is Σ_k a[..., i, k] · b[..., k, j].
     */
    static Nd matmul(Nd a, Nd b) {
        Nd a2 = a.rank() == 1 ? a.reshape(1, a.shape[0]) : a;
        Nd b2 = b.rank() == 1 ? b.reshape(b.shape[0], 1) : b;
        int m = a2.shape[a2.rank() - 2], k = a2.shape[a2.rank() - 1], n = b2.shape[b2.rank() - 1];
        if (b2.shape[b2.rank() - 2] != k) throw new IllegalArgumentException("Nd.matmul: inner sizes differ");
        int[] aBatch = Arrays.copyOf(a2.shape, a2.rank() - 2), bBatch = Arrays.copyOf(b2.shape, b2.rank() - 2);
        int[] batch = broadcastShape(aBatch, bBatch);
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        double[] r = new double[numel(outShape)];
        for (int o = 0; o < r.length; o++) {
            int[] idx = unravel(o, outShape);
            int i = idx[batch.length], j = idx[batch.length + 1];
            int[] ai = new int[a2.rank()], bi = new int[b2.rank()];
            for (int d = 0; d < aBatch.length; d++) ai[d] = aBatch[d] == 1 ? 0 : idx[d + batch.length - aBatch.length];
            for (int d = 0; d < bBatch.length; d++) bi[d] = bBatch[d] == 1 ? 0 : idx[d + batch.length - bBatch.length];
            double s = 0;
            for (int t = 0; t < k; t++) {
                ai[a2.rank() - 2] = i;
                ai[a2.rank() - 1] = t;
                bi[b2.rank() - 2] = t;
                bi[b2.rank() - 1] = j;
                s += a2.at(ai) * b2.at(bi);
            }
            r[o] = s;
        }
        Nd out = new Nd(outShape, r);
        if (a.rank() == 1 && b.rank() == 1) return out.reshape();
        if (a.rank() == 1) return out.reshape(dropAt(outShape, batch.length));
        if (b.rank() == 1) return out.reshape(dropAt(outShape, batch.length + 1));
        return out;
    }

    private static int[] dropAt(int[] d, int i) {
        int[] r = new int[d.length - 1];
        for (int s = 0, t = 0; s < d.length; s++) if (s != i) r[t++] = d[s];
        return r;
    }

    @Override
    public String toString() {
        return "Nd" + Arrays.toString(shape) + " " + Arrays.toString(v.length > 16 ? Arrays.copyOf(v, 16) : v);
    }
}
