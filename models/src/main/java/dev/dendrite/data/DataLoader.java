package dev.dendrite.data;

import dev.dendrite.Device;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Batches a {@link Dataset} into tensors. Shuffling and augmentation happen on the host from a
 * seed and the epoch number, so every backend sees the same order and the same crops. The last
 * batch may be smaller unless {@code dropLast}.
 */
public final class DataLoader implements Iterable<DataLoader.Batch> {
    /** One batch: features {@code [B, sampleShape...]} (FLOAT32) and labels {@code [B]} (INT64). Close both when done (or use a scope). */
    public record Batch(Tensor features, Tensor labels, int size) {
    }

    private final Dataset data;
    private final int batchSize;
    private final boolean shuffle, dropLast;
    private final long seed;
    private final int cropPadding;
    private final boolean horizontalFlip;
    private final Device device;
    private int epoch;

    private DataLoader(Builder b) {
        this.data = b.data;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.seed = b.seed;
        this.cropPadding = b.cropPadding;
        this.horizontalFlip = b.horizontalFlip;
        this.device = b.device;
    }

    public static Builder builder(Dataset data, int batchSize) {
        return new Builder(data, batchSize);
    }

    /** Builder: shuffle (default on), seed (0), dropLast (off), random crop padding (0 = off), horizontal flip (off). */
    public static final class Builder {
        private final Dataset data;
        private final int batchSize;
        private boolean shuffle = true, dropLast, horizontalFlip;
        private long seed;
        private int cropPadding;
        private Device device;

        private Builder(Dataset data, int batchSize) {
            if (batchSize < 1) throw new IllegalArgumentException("DataLoader: batch size must be >= 1, got " + batchSize);
            this.data = data;
            this.batchSize = batchSize;
        }

        public Builder shuffle(boolean v) { shuffle = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder dropLast(boolean v) { dropLast = v; return this; }
        /** Random crop after zero-padding each side by {@code pad} pixels (images {@code [C, H, W]} only). */
        public Builder randomCrop(int pad) { cropPadding = pad; return this; }
        public Builder horizontalFlip(boolean v) { horizontalFlip = v; return this; }
        public Builder device(Device d) { device = d; return this; }
        public DataLoader build() { return new DataLoader(this); }
    }

    /** Batches per epoch. */
    public int batches() {
        int n = data.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    public Dataset dataset() {
        return data;
    }

    /** Sets the epoch that seeds the next iteration's order and augmentation. */
    public void setEpoch(int e) {
        epoch = e;
    }

    /** The sample order of epoch {@code e}: a Fisher–Yates shuffle seeded by (seed, e), or 0..n−1. */
    public int[] order(int e) {
        int n = data.size();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        if (!shuffle) return idx;
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + e);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    @Override
    public Iterator<Batch> iterator() {
        int[] order = order(epoch);
        SplittableRandom aug = new SplittableRandom(seed * 31 + epoch + 0x5DEECE66DL);
        int total = batches();
        int ss = data.sampleSize();
        int[] shape = data.sampleShape();
        return new Iterator<>() {
            int b;

            @Override
            public boolean hasNext() {
                return b < total;
            }

            @Override
            public Batch next() {
                if (!hasNext()) throw new NoSuchElementException();
                int from = b * batchSize, size = Math.min(batchSize, order.length - from);
                b++;
                float[] x = new float[size * ss];
                long[] y = new long[size];
                for (int i = 0; i < size; i++) {
                    int s = order[from + i];
                    System.arraycopy(data.features(), s * ss, x, i * ss, ss);
                    y[i] = data.labels()[s];
                    if ((cropPadding > 0 || horizontalFlip) && shape.length == 3) augment(x, i * ss, shape, aug);
                }
                int[] dims = new int[shape.length + 1];
                dims[0] = size;
                System.arraycopy(shape, 0, dims, 1, shape.length);
                return new Batch(Tensor.fromArray(x, Shape.of(dims), device), Tensor.fromArray(y, Shape.of(size), device), size);
            }
        };
    }

    private void augment(float[] x, int off, int[] chw, SplittableRandom r) {
        int c = chw[0], h = chw[1], w = chw[2];
        int dy = cropPadding > 0 ? r.nextInt(2 * cropPadding + 1) - cropPadding : 0;
        int dx = cropPadding > 0 ? r.nextInt(2 * cropPadding + 1) - cropPadding : 0;
        boolean flip = horizontalFlip && r.nextBoolean();
        float[] src = java.util.Arrays.copyOfRange(x, off, off + c * h * w);
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) {
                    int si = i + dy, sj = (flip ? w - 1 - j : j) + dx;
                    x[off + (ch * h + i) * w + j] = si >= 0 && si < h && sj >= 0 && sj < w ? src[(ch * h + si) * w + sj] : 0f;
                }
    }
}
