package dev.dendrite.cpu;

/**
 * Walks several equally shaped strided operands row by row, where a row is a run along the
 * innermost dimension after merging every dimension that is contiguous for all operands. Long rows
 * are cut into segments so work spreads over threads and per-thread buffers stay small.
 */
final class StridedRows {
    /** Receives one segment: the element offset of each operand and the segment length. */
    @FunctionalInterface
    interface Body {
        void segment(int[] offsets, int length);
    }

    static final int SEGMENT = 4096;
    /** Below this many elements an op runs on the calling thread. */
    static final int PARALLEL_GRAIN = 1 << 15;

    final int[] shape;
    final int[][] strides;
    final int[] baseOffsets;
    final int rowLength;
    final int segmentsPerRow;
    final int rows;

    StridedRows(int[] shape, int[][] strides, int[] baseOffsets) {
        int k = strides.length;
        // Drop size-1 dimensions, then merge neighbours that are contiguous for every operand.
        int[] d = new int[shape.length];
        int[][] s = new int[k][shape.length];
        int r = 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) continue;
            if (r > 0 && mergeable(s, r - 1, strides, i, shape[i], k)) {
                d[r - 1] *= shape[i];
                for (int j = 0; j < k; j++) s[j][r - 1] = strides[j][i];
                continue;
            }
            d[r] = shape[i];
            for (int j = 0; j < k; j++) s[j][r] = strides[j][i];
            r++;
        }
        if (r == 0) {
            this.shape = new int[]{1};
            this.strides = new int[k][1];
        } else {
            this.shape = java.util.Arrays.copyOf(d, r);
            this.strides = new int[k][];
            for (int j = 0; j < k; j++) this.strides[j] = java.util.Arrays.copyOf(s[j], r);
        }
        this.baseOffsets = baseOffsets;
        this.rowLength = this.shape[this.shape.length - 1];
        this.segmentsPerRow = Math.max(1, (rowLength + SEGMENT - 1) / SEGMENT);
        int n = 1;
        for (int i = 0; i < this.shape.length - 1; i++) n *= this.shape[i];
        this.rows = n;
    }

    private static boolean mergeable(int[][] s, int prev, int[][] strides, int i, int size, int k) {
        for (int j = 0; j < k; j++) if (s[j][prev] != strides[j][i] * size) return false;
        return true;
    }

    /** Inner (element-to-element) stride of operand {@code k}. */
    int innerStride(int k) {
        return strides[k][strides[k].length - 1];
    }

    int numel() {
        return rows * rowLength;
    }

    /** Runs {@code body} over every segment, in parallel when the tensor is large. */
    void forEach(Body body) {
        // No segments at all: the offsets of the empty rows of a zero-size dimension may be out of range.
        if (numel() == 0) return;
        int items = rows * segmentsPerRow;
        int grain = Math.max(1, PARALLEL_GRAIN / Math.max(1, Math.min(rowLength, SEGMENT)));
        if (numel() < PARALLEL_GRAIN) grain = items;
        Parallel.forRange(items, grain, (from, to) -> run(from, to, body));
    }

    private void run(int from, int to, Body body) {
        int k = strides.length;
        int[] offs = new int[k];
        int dims = shape.length - 1;
        int[] idx = new int[Math.max(dims, 0)];
        int row = from / segmentsPerRow;
        int seg = from % segmentsPerRow;
        // Decompose the starting row into outer indices.
        int rem = row;
        for (int i = dims - 1; i >= 0; i--) {
            idx[i] = rem % shape[i];
            rem /= shape[i];
        }
        int[] rowOffs = new int[k];
        for (int j = 0; j < k; j++) {
            int o = baseOffsets[j];
            for (int i = 0; i < dims; i++) o += idx[i] * strides[j][i];
            rowOffs[j] = o;
        }
        for (int item = from; item < to; item++) {
            int start = seg * SEGMENT;
            int len = Math.min(SEGMENT, rowLength - start);
            for (int j = 0; j < k; j++) offs[j] = rowOffs[j] + start * strides[j][dims];
            body.segment(offs, len);
            if (++seg == segmentsPerRow) {
                seg = 0;
                // Odometer step to the next row.
                for (int i = dims - 1; i >= 0; i--) {
                    idx[i]++;
                    for (int j = 0; j < k; j++) rowOffs[j] += strides[j][i];
                    if (idx[i] < shape[i]) break;
                    for (int j = 0; j < k; j++) rowOffs[j] -= strides[j][i] * shape[i];
                    idx[i] = 0;
                }
            }
        }
    }
}
