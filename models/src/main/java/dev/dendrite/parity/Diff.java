package dev.dendrite.parity;

import dev.dendrite.Shape;

import java.util.Arrays;
import java.util.Locale;

/**
 * The worst disagreement between a reference result and another, element by element, under a
 * {@link Tolerance}. The worst element is the one with the largest
 * {@code |got − ref| / (atol + rtol·|ref|)}, which is what decides pass or fail.
 *
 * @param where which tensor ({@code output}, {@code grad w})
 * @param shape its shape
 * @param maxAbs largest {@code |got − ref|}
 * @param maxRel largest {@code |got − ref| / |ref|} over elements with {@code ref ≠ 0}
 * @param worstRatio the deciding ratio (≤ 1 passes; 0 when identical)
 * @param worstIndex flat index of the worst element (−1 when nothing differs)
 * @param ref the reference value there
 * @param got the other value there
 * @param problem a structural failure (shape or length mismatch), or null
 */
public record Diff(String where, Shape shape, double maxAbs, double maxRel, double worstRatio, int worstIndex, double ref, double got,
                   String problem) {

    /** Compares {@code got} with {@code ref}, both of {@code shape}. */
    public static Diff of(String where, Shape shape, double[] ref, Shape gotShape, double[] got, Tolerance tol) {
        if (!shape.equals(gotShape))
            return new Diff(where, shape, Double.NaN, Double.NaN, Double.POSITIVE_INFINITY, -1, Double.NaN, Double.NaN,
                    where + " has shape " + gotShape + ", the reference " + shape);
        if (ref.length != got.length)
            return new Diff(where, shape, Double.NaN, Double.NaN, Double.POSITIVE_INFINITY, -1, Double.NaN, Double.NaN,
                    where + " has " + got.length + " values, the reference " + ref.length);
        double maxAbs = 0, maxRel = 0, worst = 0;
        int at = -1;
        for (int i = 0; i < ref.length; i++) {
            double r = ref[i], g = got[i];
            double d = Math.abs(g - r);
            boolean nanMismatch = Double.isNaN(r) != Double.isNaN(g);
            if (nanMismatch || (Double.isInfinite(r) || Double.isInfinite(g)) && r != g) d = Double.POSITIVE_INFINITY;
            if (!Double.isNaN(d)) {
                maxAbs = Math.max(maxAbs, d);
                if (r != 0) maxRel = Math.max(maxRel, d / Math.abs(r));
            }
            double ratio = tol.ratio(r, g);
            if (ratio > worst || (at < 0 && ratio > 0)) {
                worst = ratio;
                at = i;
            }
        }
        return new Diff(where, shape, maxAbs, maxRel, worst, at, at < 0 ? 0 : ref[at], at < 0 ? 0 : got[at], null);
    }

    /** Output and every gradient of two evaluations, worst first decided by ratio; the first diff is returned when all are equal. */
    public static Diff worst(Evaluation ref, Evaluation got, Tolerance tol) {
        Diff w = of("output", ref.outShape(), ref.output(), got.outShape(), got.output(), tol);
        if (ref.grads().size() != got.grads().size())
            return new Diff("gradients", ref.outShape(), Double.NaN, Double.NaN, Double.POSITIVE_INFINITY, -1, Double.NaN, Double.NaN,
                    "gradients of " + got.gradNames() + " vs the reference's " + ref.gradNames());
        for (int i = 0; i < ref.grads().size(); i++) {
            Diff d = of("grad " + ref.gradNames().get(i), ref.gradShapes().get(i), ref.grads().get(i), got.gradShapes().get(i),
                    got.grads().get(i), tol);
            w = w.combine(d);
        }
        return w;
    }

    /** The worse of two diffs (structural problems first); maxima of the error measures are combined. */
    public Diff combine(Diff o) {
        Diff worse = o.problem != null && problem == null || o.worstRatio > worstRatio ? o : this;
        return new Diff(worse.where, worse.shape, Math.max(nz(maxAbs), nz(o.maxAbs)), Math.max(nz(maxRel), nz(o.maxRel)),
                worse.worstRatio, worse.worstIndex, worse.ref, worse.got, worse.problem);
    }

    private static double nz(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    /** True when there is no structural problem and every element is within the tolerance. */
    public boolean passes() {
        return problem == null && worstRatio <= 1;
    }

    /** Multi-index of the worst element within its tensor. */
    public int[] position() {
        int[] d = shape.toArray(), pos = new int[d.length];
        int rest = Math.max(0, worstIndex);
        for (int i = d.length - 1; i >= 0; i--) {
            pos[i] = d[i] == 0 ? 0 : rest % d[i];
            rest = d[i] == 0 ? 0 : rest / d[i];
        }
        return pos;
    }

    /** {@code grad w: |cpu−cuda| = 3.1e-03 at [2,7,5,4] (cpu=1.2345, cuda=1.2376)}: the deciding element. */
    public String describe(String refName, String gotName) {
        if (problem != null) return problem;
        if (worstIndex < 0) return where + " identical";
        return String.format(Locale.ROOT, "%s: |%s−%s| = %.3e at %s (%s=%.9g, %s=%.9g)", where, refName, gotName, Math.abs(got - ref),
                Arrays.toString(position()).replace(" ", ""), refName, ref, gotName, got);
    }
}
