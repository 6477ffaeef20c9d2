package dev.dendrite.parity;

import java.util.Locale;

/**
 * How far two results of the same computation may be apart: element {@code i} passes when
 * {@code |got − ref| ≤ atol + rtol·|ref|} (NumPy's {@code isclose}, with the reference on the right).
 * Every tolerance carries the reason for its size, which the parity report prints next to it.
 *
 * <p>Note [Parity tolerances]
 * Our inputs are O(1) (normal or uniform draws), so an absolute and a relative term of the same
 * size express "this many units of rounding of an O(1) quantity". Sizes come from the number of
 * roundings the computation makes, with u32 = 2⁻²⁴ ≈ 6e-8 and u64 = 2⁻⁵³ ≈ 1.1e-16:
 * <ul>
 *   <li>pointwise ops round a handful of times per element, forward and backward; CUDA's
 *       single-precision transcendental functions are within 2 ulp (CUDA C++ Programming Guide,
 *       "Mathematical Functions"), so float32 gets 1e-5 (about 150 u32) and float64 1e-12;</li>
 *   <li>an n-term sum (dot products, convolutions, reductions, the weight gradients that sum over a
 *       batch) has a rounding error that grows like √n·u on data with random signs (Higham,
 *       <i>Accuracy and Stability of Numerical Algorithms</i>, §3.1, the probabilistic bound), and
 *       cuBLAS/cuDNN sum in a different order than the CPU, so the tolerance grows with √n;</li>
 *   <li>selections and integer results (comparisons, argmax, max-pool routing, masks) are exact.</li>
 * </ul>
 * FLOAT32-vs-FLOAT64 on the CPU (the precision runner) measures how much of each tolerance one
 * float32 implementation actually uses; the report prints that ratio (headroom) so the constants can
 * be tightened with evidence. Between two float32 implementations (CPU vs GPU) each side carries its
 * own error against the exact result, so that leg allows twice the float32 tolerance.
 *
 * @param atol absolute term, {@code >= 0}
 * @param rtol relative term, {@code >= 0}
 * @param why the reason for the size, for the report
 */
public record Tolerance(double atol, double rtol, String why) {
    /** Unit roundoff of float32, 2⁻²⁴. */
    public static final double U32 = 0x1p-24;
    /** Unit roundoff of float64, 2⁻⁵³. */
    public static final double U64 = 0x1p-53;

    public Tolerance {
        if (!(atol >= 0) || !(rtol >= 0))
            throw new IllegalArgumentException("tolerance: atol and rtol must be >= 0, got atol=" + atol + " rtol=" + rtol);
        why = why == null ? "" : why;
    }

    /** Whether {@code got} is within this tolerance of {@code ref}; NaN matches only NaN, infinities only themselves. */
    public boolean accepts(double ref, double got) {
        if (Double.isNaN(ref) || Double.isNaN(got)) return Double.isNaN(ref) && Double.isNaN(got);
        if (Double.isInfinite(ref) || Double.isInfinite(got)) return ref == got;
        return Math.abs(got - ref) <= atol + rtol * Math.abs(ref);
    }

    /** {@code |got − ref| / (atol + rtol·|ref|)}: above 1 fails; 0 for identical values. */
    public double ratio(double ref, double got) {
        if (Double.isNaN(ref) || Double.isNaN(got)) return Double.isNaN(ref) && Double.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
        if (Double.isInfinite(ref) || Double.isInfinite(got)) return ref == got ? 0 : Double.POSITIVE_INFINITY;
        double d = Math.abs(got - ref);
        if (d == 0) return 0;
        double allowed = atol + rtol * Math.abs(ref);
        return allowed == 0 ? Double.POSITIVE_INFINITY : d / allowed;
    }

    /** The same tolerance scaled by {@code factor} (with a note of why). */
    public Tolerance times(double factor, String because) {
        return new Tolerance(atol * factor, rtol * factor, why + "; ×" + fmt(factor) + " " + because);
    }

    /** {@code atol=1e-05 rtol=1e-05}. */
    public String describe() {
        return "atol=" + fmt(atol) + " rtol=" + fmt(rtol);
    }

    static String fmt(double v) {
        if (v == 0) return "0";
        return String.format(Locale.ROOT, "%.3g", v);
    }

    // ---- the families of Note [Parity tolerances] ------------------------------------------------

    /** Bit-for-bit: integer results, selections, masks. */
    public static Tolerance exact(String why) {
        return new Tolerance(0, 0, why);
    }

    /**
     * The float32/float64 pair of a family, one per dtype.
     * @param fp32 used for FLOAT32 (against FLOAT64 on the CPU; doubled against another backend)
     * @param fp64 used for FLOAT64 against another backend
     */
    public record Pair(Tolerance fp32, Tolerance fp64) {
        /** The tolerance for a dtype; integer dtypes are always exact. */
        public Tolerance forDType(dev.dendrite.DType dtype) {
            return switch (dtype) {
                case FLOAT32 -> fp32;
                case FLOAT64 -> fp64;
                case INT32, INT64 -> exact("integer result");
            };
        }
    }

    /** Both dtypes exact. */
    public static Pair exactPair(String why) {
        return new Pair(exact(why), exact(why));
    }

    /** Elementwise: a handful of roundings per element (Note [Parity tolerances]). */
    public static Pair pointwise() {
        String why = "pointwise: a few roundings per element forward and backward; admits CUDA's ≤ 2-ulp transcendentals";
        return new Pair(new Tolerance(1e-5, 1e-5, why), new Tolerance(1e-12, 1e-12, why));
    }

    /**
     * Sums of up to {@code terms} products (the largest sum in the forward or backward pass):
     * float32 {@code 1e-5 + 2e-6·√n}, float64 {@code 1e-12 + 2e-14·√n} (Note [Parity tolerances]).
     */
    public static Pair accumulation(int terms) {
        double s = Math.sqrt(Math.max(1, terms));
        String why = "sums of up to " + terms + " terms: rounding grows like √n·u on random data (Higham §3.1), and the summation order differs by backend";
        return new Pair(new Tolerance(1e-5 + 2e-6 * s, 1e-5 + 2e-6 * s, why),
                new Tolerance(1e-12 + 2e-14 * s, 1e-12 + 2e-14 * s, why));
    }
}
