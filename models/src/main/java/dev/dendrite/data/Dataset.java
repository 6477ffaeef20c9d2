package dev.dendrite.data;

/**
 * An in-memory labelled dataset of fixed-size samples held as host floats:
 * {@code features[i·sampleSize ..]} is sample i with {@code sampleShape}, {@code labels[i]} its class.
 */
public record Dataset(float[] features, int[] labels, int[] sampleShape) {
    public Dataset {
        int size = sampleSize(sampleShape);
        if (size == 0 || features.length % size != 0 || features.length / size != labels.length)
            throw new IllegalArgumentException("dataset: " + features.length + " feature values do not make " + labels.length
                    + " samples of shape " + java.util.Arrays.toString(sampleShape));
    }

    private static int sampleSize(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    public int size() {
        return labels.length;
    }

    public int sampleSize() {
        return sampleSize(sampleShape);
    }

    /** The first {@code n} samples (or all when fewer). */
    public Dataset head(int n) {
        int k = Math.min(n, size());
        return new Dataset(java.util.Arrays.copyOf(features, k * sampleSize()), java.util.Arrays.copyOf(labels, k), sampleShape);
    }

    /**
     * Images of unsigned bytes scaled to [0, 1] and then standardised: {@code (x/255 − mean)/std}.
     * @param pixels row-major images, {@code count·rows·cols} bytes
     */
    public static Dataset fromImages(byte[] pixels, byte[] labels, int rows, int cols, double mean, double std) {
        float[] f = new float[pixels.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) (((pixels[i] & 0xff) / 255.0 - mean) / std);
        int[] l = new int[labels.length];
        for (int i = 0; i < l.length; i++) l[i] = labels[i] & 0xff;
        return new Dataset(f, l, new int[]{1, rows, cols});
    }
}
