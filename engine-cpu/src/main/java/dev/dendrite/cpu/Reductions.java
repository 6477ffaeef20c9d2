package dev.dendrite.cpu;

import dev.dendrite.ops.ReduceOp;
import dev.dendrite.spi.View;

/**
 * Reductions over any set of axes. Each output element walks its reduced sub-space with an
 * odometer; floating sums accumulate in double, integer sums in long. MAX/MIN propagate NaN.
 */
final class Reductions {
    private Reductions() {
    }

    /** Split of x's dimensions into the kept ones (indexing outputs) and the reduced ones. */
    private record Plan(int[] keptShape, int[] keptStrides, int[] redShape, int[] redStrides, int redCount) {
        static Plan of(View x, int[] axes) {
            int r = x.rank();
            boolean[] isRed = new boolean[r];
            for (int a : axes) isRed[a] = true;
            int nr = axes.length;
            int[] ks = new int[r - nr], kst = new int[r - nr], rs = new int[nr], rst = new int[nr];
            int ki = 0, ri = 0, count = 1;
            for (int i = 0; i < r; i++) {
                if (isRed[i]) {
                    rs[ri] = x.shape()[i];
                    rst[ri++] = x.strides()[i];
                    count *= x.shape()[i];
                } else {
                    ks[ki] = x.shape()[i];
                    kst[ki++] = x.strides()[i];
                }
            }
            return new Plan(ks, kst, rs, rst, count);
        }

        int baseOffset(int outIndex, int xOffset) {
            int off = xOffset;
            for (int i = keptShape.length - 1; i >= 0; i--) {
                int d = keptShape[i];
                off += (outIndex % d) * keptStrides[i];
                outIndex /= d;
            }
            return off;
        }
    }

    static void reduce(ReduceOp op, View x, int[] axes, View y) {
        Plan plan = Plan.of(x, axes);
        int outputs = y.numel();
        Object in = CpuBackend.array(x), out = CpuBackend.array(y);
        boolean integral = !x.dtype().isFloatingPoint();
        int grain = Math.max(1, StridedRows.PARALLEL_GRAIN / Math.max(1, plan.redCount()));
        Parallel.forRange(outputs, grain, (from, to) -> {
            int[] idx = new int[plan.redShape().length];
            for (int o = from; o < to; o++) {
                int base = plan.baseOffset(o, x.offset());
                if (integral) {
                    long v = reduceLong(op, in, base, plan, idx);
                    if (out instanceof int[] a) a[y.offset() + o] = (int) v;
                    else ((long[]) out)[y.offset() + o] = v;
                } else {
                    double v = reduceDouble(op, in, base, plan, idx);
                    if (op == ReduceOp.MEAN) v /= plan.redCount();
                    if (out instanceof float[] a) a[y.offset() + o] = (float) v;
                    else ((double[]) out)[y.offset() + o] = v;
                }
            }
        });
    }

    private static double reduceDouble(ReduceOp op, Object in, int base, Plan plan, int[] idx) {
        double acc = switch (op) {
            case SUM, MEAN -> 0;
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
        };
        int nd = idx.length;
        java.util.Arrays.fill(idx, 0);
        int innerLen = nd == 0 ? 1 : plan.redShape()[nd - 1];
        int innerStride = nd == 0 ? 0 : plan.redStrides()[nd - 1];
        int off = base;
        int total = plan.redCount();
        if (total == 0) return acc;
        float[] fa = in instanceof float[] f ? f : null;
        double[] da = in instanceof double[] d ? d : null;
        if (fa != null && innerStride == 1 && (op == ReduceOp.SUM || op == ReduceOp.MEAN)) {
            // Contiguous float runs: FloatSums (independent accumulators, vector lanes when available).
            for (int done = 0; done < total; done += innerLen) {
                acc += FloatSums.sum(fa, off, innerLen);
                off = advance(idx, plan, off, nd - 1);
            }
            return acc;
        }
        for (int done = 0; done < total; done += innerLen) {
            for (int i = 0, p = off; i < innerLen; i++, p += innerStride) {
                double v = fa != null ? fa[p] : da[p];
                switch (op) {
                    case SUM, MEAN -> acc += v;
                    case MAX -> acc = v > acc || v != v ? v : acc;
                    case MIN -> acc = v < acc || v != v ? v : acc;
                }
                if (acc != acc && (op == ReduceOp.MAX || op == ReduceOp.MIN)) return acc;
            }
            off = advance(idx, plan, off, nd - 1);
        }
        return acc;
    }

    private static long reduceLong(ReduceOp op, Object in, int base, Plan plan, int[] idx) {
        long acc = switch (op) {
            case SUM, MEAN -> 0;
            case MAX -> Long.MIN_VALUE;
            case MIN -> Long.MAX_VALUE;
        };
        int nd = idx.length;
        java.util.Arrays.fill(idx, 0);
        int innerLen = nd == 0 ? 1 : plan.redShape()[nd - 1];
        int innerStride = nd == 0 ? 0 : plan.redStrides()[nd - 1];
        int off = base;
        int total = plan.redCount();
        int[] ia = in instanceof int[] i ? i : null;
        long[] la = in instanceof long[] l ? l : null;
        for (int done = 0; done < total; done += innerLen) {
            for (int i = 0, p = off; i < innerLen; i++, p += innerStride) {
                long v = ia != null ? ia[p] : la[p];
                switch (op) {
                    case SUM, MEAN -> acc += v;
                    case MAX -> acc = Math.max(acc, v);
                    case MIN -> acc = Math.min(acc, v);
                }
            }
            off = advance(idx, plan, off, nd - 1);
        }
        return acc;
    }

    /** Moves the odometer over the reduced dims above the innermost one; returns the new row offset. */
    private static int advance(int[] idx, Plan plan, int off, int innerDim) {
        for (int i = innerDim - 1; i >= 0; i--) {
            idx[i]++;
            off += plan.redStrides()[i];
            if (idx[i] < plan.redShape()[i]) return off;
            off -= plan.redStrides()[i] * plan.redShape()[i];
            idx[i] = 0;
        }
        return off;
    }

    static void argReduce(boolean max, View x, int axis, View y) {
        Plan plan = Plan.of(x, new int[]{axis});
        int len = x.shape()[axis], stride = x.strides()[axis];
        Object in = CpuBackend.array(x);
        long[] out = (long[]) CpuBackend.array(y);
        Parallel.forRange(y.numel(), Math.max(1, StridedRows.PARALLEL_GRAIN / Math.max(1, len)), (from, to) -> {
            for (int o = from; o < to; o++) {
                int base = plan.baseOffset(o, x.offset());
                int best = 0;
                if (in instanceof int[] || in instanceof long[]) {
                    long bv = get(in, base);
                    for (int i = 1; i < len; i++) {
                        long v = get(in, base + i * stride);
                        if (max ? v > bv : v < bv) { bv = v; best = i; }
                    }
                } else {
                    double bv = getD(in, base);
                    // The first NaN wins, as NaN compares greater and smaller than everything in numpy's argmax/argmin.
                    for (int i = 1; i < len && bv == bv; i++) {
                        double v = getD(in, base + i * stride);
                        if (v != v || (max ? v > bv : v < bv)) { bv = v; best = i; }
                    }
                }
                out[y.offset() + o] = best;
            }
        });
    }

    private static long get(Object a, int i) {
        return a instanceof int[] ia ? ia[i] : ((long[]) a)[i];
    }

    private static double getD(Object a, int i) {
        return a instanceof float[] fa ? fa[i] : ((double[]) a)[i];
    }
}
