package dev.dendrite.data;

import java.util.SplittableRandom;

/**
 * Noisy sine waves for next-value regression, and their sliding windows. Series {@code k} is
 * <pre>
 *   x_t = A_k · sin(2π·t / P_k + φ_k) + σ·ε_t,   t = 0 .. length−1
 * </pre>
 * with amplitude {@code A ~ U[0.5, 1.5]}, period {@code P ~ U[minPeriod, maxPeriod]} steps, phase
 * {@code φ ~ U[0, 2π)} and independent standard normal noise {@code ε}; all drawn from one seed.
 * No model can predict the noise of the next value, so {@code σ²} is the lowest expected MSE.
 */
public final class SineWaves {
    private SineWaves() {
    }

    /**
     * @param count number of series
     * @param length steps per series
     * @param minPeriod shortest period in steps, {@code > 0}
     * @param maxPeriod longest period in steps, {@code >= minPeriod}
     * @param noise σ, the standard deviation of the additive noise, {@code >= 0}
     * @return {@code count} series of {@code length} values
     */
    public static float[][] generate(int count, int length, double minPeriod, double maxPeriod, double noise, long seed) {
        if (count < 1 || length < 2)
            throw new IllegalArgumentException("SineWaves: need count >= 1 and length >= 2, got count=" + count + " length=" + length);
        if (!(minPeriod > 0 && maxPeriod >= minPeriod))
            throw new IllegalArgumentException("SineWaves: need 0 < minPeriod <= maxPeriod, got " + minPeriod + ", " + maxPeriod);
        if (!(noise >= 0)) throw new IllegalArgumentException("SineWaves: noise must be >= 0, got " + noise);
        SplittableRandom r = new SplittableRandom(seed);
        float[][] out = new float[count][length];
        for (int k = 0; k < count; k++) {
            double a = 0.5 + r.nextDouble(), p = minPeriod + (maxPeriod - minPeriod) * r.nextDouble(), phi = 2 * Math.PI * r.nextDouble();
            for (int t = 0; t < length; t++) out[k][t] = (float) (a * Math.sin(2 * Math.PI * t / p + phi) + noise * r.nextGaussian());
        }
        return out;
    }

    /**
     * Every window of {@code W} consecutive values and the value after it.
     *
     * @param inputs  row-major {@code [M, W]}
     * @param targets {@code [M]}: the value following each window
     */
    public record Windows(float[] inputs, float[] targets, int window) {
        public Windows {
            if (window < 1 || inputs.length != targets.length * window)
                throw new IllegalArgumentException("SineWaves.Windows: " + inputs.length + " inputs are not " + targets.length + " windows of "
                        + window);
        }

        public int size() {
            return targets.length;
        }

        /** Inputs of windows {@code idx}, row-major {@code [idx.length, W]}. */
        public float[] inputs(int[] idx) {
            float[] out = new float[idx.length * window];
            for (int i = 0; i < idx.length; i++) System.arraycopy(inputs, idx[i] * window, out, i * window, window);
            return out;
        }

        public float[] targets(int[] idx) {
            float[] out = new float[idx.length];
            for (int i = 0; i < idx.length; i++) out[i] = targets[idx[i]];
            return out;
        }

        /** MSE of the naive forecast "the next value equals the last one": the baseline a model must beat. */
        public double lastValueMse() {
            double s = 0;
            for (int i = 0; i < targets.length; i++) {
                double d = targets[i] - inputs[i * window + window - 1];
                s += d * d;
            }
            return s / targets.length;
        }
    }

    /** All windows of {@code window} values of every series (each series of length L gives L − W windows). */
    public static Windows windows(float[][] series, int window) {
        if (window < 1) throw new IllegalArgumentException("SineWaves.windows: window must be >= 1, got " + window);
        int m = 0;
        for (float[] s : series) {
            if (s.length <= window)
                throw new IllegalArgumentException("SineWaves.windows: a series of " + s.length + " values has no window of " + window
                        + " followed by a value");
            m += s.length - window;
        }
        float[] in = new float[m * window], tg = new float[m];
        int i = 0;
        for (float[] s : series)
            for (int t = 0; t + window < s.length; t++, i++) {
                System.arraycopy(s, t, in, i * window, window);
                tg[i] = s[t + window];
            }
        return new Windows(in, tg, window);
    }
}
