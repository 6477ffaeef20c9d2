package dev.dendrite.parity;

import java.util.SplittableRandom;

/**
 * How a catalog input's host values are drawn. Every value is rounded to float32 first, so the
 * FLOAT32 and FLOAT64 runs of a case start from the same numbers and the precision runner measures
 * arithmetic only, never input rounding. Generators are seeded per case and input (see
 * {@link OpCase#seedOf}), so adding a case never changes another case's data.
 */
@FunctionalInterface
public interface Gen {
    /** {@code n} values from {@code rnd}. */
    double[] values(int n, SplittableRandom rnd);

    /** Standard normal times {@code scale}. */
    static Gen normal(double scale) {
        return (n, r) -> fill(n, () -> scale * gaussian(r));
    }

    /** Uniform in {@code [lo, hi)}. */
    static Gen uniform(double lo, double hi) {
        return (n, r) -> fill(n, () -> lo + (hi - lo) * r.nextDouble());
    }

    /**
     * {@code |x|} uniform in {@code [lo, hi)} with a random sign: keeps inputs off the kink of relu,
     * abs, sign, leaky relu and elu, where a central difference (step 1e-6) would straddle it.
     */
    static Gen awayFromZero(double lo, double hi) {
        return (n, r) -> fill(n, () -> (r.nextBoolean() ? 1 : -1) * (lo + (hi - lo) * r.nextDouble()));
    }

    /** Uniform in {@code [lo, hi)} but at least {@code gap} from each of {@code avoid} (clamp bounds). */
    static Gen uniformAvoiding(double lo, double hi, double gap, double... avoid) {
        return (n, r) -> fill(n, () -> {
            while (true) {
                double v = lo + (hi - lo) * r.nextDouble();
                boolean ok = true;
                for (double a : avoid) ok &= Math.abs(v - a) >= gap;
                if (ok) return v;
            }
        });
    }

    /**
     * A shuffled grid of {@code n} values {@code scale·(k − n/2)/n}: pairwise distinct by
     * {@code scale/n}, far more than a gradient check's step, so max-pooling, max/min and argmax
     * have a unique winner that a perturbation cannot flip.
     */
    static Gen distinct(double scale) {
        return (n, r) -> {
            double[] v = new double[n];
            for (int k = 0; k < n; k++) v[k] = scale * (k - n / 2.0) / Math.max(1, n) * 2;
            for (int k = n - 1; k > 0; k--) { // Fisher–Yates
                int j = r.nextInt(k + 1);
                double t = v[k];
                v[k] = v[j];
                v[j] = t;
            }
            return roundAll(v);
        };
    }

    /** Integers uniform in {@code [lo, hi]} (labels, indices, integer-dtype operands, tie-heavy floats). */
    static Gen ints(int lo, int hi) {
        return (n, r) -> fill(n, () -> lo + r.nextInt(hi - lo + 1));
    }

    /** Fixed values (cycled if fewer than needed). */
    static Gen of(double... values) {
        return (n, r) -> {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = values[i % values.length];
            return roundAll(v);
        };
    }

    private static double[] fill(int n, java.util.function.DoubleSupplier s) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = s.getAsDouble();
        return roundAll(v);
    }

    private static double[] roundAll(double[] v) {
        for (int i = 0; i < v.length; i++) v[i] = (float) v[i];
        return v;
    }

    /** Box–Muller from two uniforms (SplittableRandom has no nextGaussian on Java 17). */
    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
