package dev.dendrite.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Host-side preparation of strided kernel arguments (the {@code dd_dims} structs of our kernels):
 * pure arithmetic, tested on the CPU.
 *
 * <p>Note [Coalesced dimensions]
 * Kernels turn a row-major element index into per-operand offsets with one division per
 * dimension. Dropping size-1 dimensions and merging dimension i into i+1 wherever every operand has
 * {@code stride[i] == stride[i+1]·shape[i+1]} keeps the element order and every address but leaves
 * fewer divisions: a contiguous op becomes rank 1 with stride 1. Kernels take at most 8 dimensions;
 * a view that still has more is launched once per index of its leading dimensions, each launch
 * with its operands' base offsets moved accordingly.
 */
public final class StridedLayout {
    /** The kernels' {@code DD_MAX_RANK}. */
    public static final int MAX_RANK = 8;

    private StridedLayout() {
    }

    /**
     * A coalesced shape and each operand's strides over it.
     *
     * @param shape   the coalesced shape (rank 0 for a single element)
     * @param strides per operand, strides over {@code shape}
     */
    public record Coalesced(int[] shape, int[][] strides) {
        public int rank() {
            return shape.length;
        }

        /** Elements covered: the product of the shape. */
        public long numel() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("shape ").append(Arrays.toString(shape));
            for (int[] s : strides) sb.append(" strides ").append(Arrays.toString(s));
            return sb.toString();
        }
    }

    /** Coalesces {@code shape} for operands with the given strides (see the class note). */
    public static Coalesced coalesce(int[] shape, int[]... strides) {
        for (int[] s : strides)
            if (s.length != shape.length)
                throw new IllegalArgumentException("strided layout: strides " + Arrays.toString(s) + " do not match shape " + Arrays.toString(shape));
        List<Integer> dims = new ArrayList<>();
        List<int[]> st = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) continue;
            int[] cur = new int[strides.length];
            for (int k = 0; k < strides.length; k++) cur[k] = strides[k][i];
            if (!dims.isEmpty() && shape[i] != 0) {
                int last = dims.size() - 1;
                int[] prev = st.get(last);
                boolean merge = dims.get(last) != 0;
                for (int k = 0; k < strides.length && merge; k++) merge = (long) prev[k] == (long) cur[k] * shape[i];
                if (merge && (long) dims.get(last) * shape[i] <= Integer.MAX_VALUE) {
                    dims.set(last, dims.get(last) * shape[i]);
                    st.set(last, cur);
                    continue;
                }
            }
            dims.add(shape[i]);
            st.add(cur);
        }
        int r = dims.size();
        int[] outShape = new int[r];
        int[][] outStrides = new int[strides.length][r];
        for (int i = 0; i < r; i++) {
            outShape[i] = dims.get(i);
            for (int k = 0; k < strides.length; k++) outStrides[k][i] = st.get(i)[k];
        }
        return new Coalesced(outShape, outStrides);
    }

    /** One launch of a possibly split view: the innermost ≤ 8 dimensions and per-operand element offsets to add. */
    public record Part(Coalesced inner, long[] offsets) {
    }

    /**
     * Splits a coalesced layout whose rank exceeds {@link #MAX_RANK} into launches over its
     * innermost 8 dimensions; a layout of rank ≤ 8 is one part with zero offsets.
     */
    public static List<Part> split(Coalesced c) {
        int ops = c.strides().length;
        if (c.rank() <= MAX_RANK) return List.of(new Part(c, new long[ops]));
        int outer = c.rank() - MAX_RANK;
        int[] innerShape = Arrays.copyOfRange(c.shape(), outer, c.rank());
        int[][] innerStrides = new int[ops][];
        for (int k = 0; k < ops; k++) innerStrides[k] = Arrays.copyOfRange(c.strides()[k], outer, c.rank());
        Coalesced inner = new Coalesced(innerShape, innerStrides);
        long count = 1;
        for (int i = 0; i < outer; i++) count *= c.shape()[i];
        List<Part> parts = new ArrayList<>();
        int[] idx = new int[outer];
        for (long p = 0; p < count; p++) {
            long[] off = new long[ops];
            for (int k = 0; k < ops; k++)
                for (int i = 0; i < outer; i++) off[k] += (long) idx[i] * c.strides()[k][i];
            parts.add(new Part(inner, off));
            for (int i = outer - 1; i >= 0; i--) {
                if (++idx[i] < c.shape()[i]) break;
                idx[i] = 0;
            }
        }
        return parts;
    }

    /** The 8-int {@code dd_dims} argument: {@code v} padded with zeros. */
    public static int[] dims8(int[] v) {
        if (v.length > MAX_RANK) throw new IllegalArgumentException("strided layout: rank " + v.length + " > " + MAX_RANK);
        return Arrays.copyOf(v, MAX_RANK);
    }
}
