package dev.dendrite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Compares the gradients autograd computes with central differences, in FLOAT64.
 * <p>
 * A function {@code f} may return a tensor of any shape: it is reduced to the scalar
 * {@code F(x) = ⟨f(x), r⟩ = Σ f(x)ₖ·rₖ} with a fixed pseudo-random projection {@code r ~ N(0, 1)}
 * (seeded, same shape as the output), so every output element contributes to the check and a
 * wrong gradient for one output element cannot hide behind a sum. The analytic gradient is what
 * {@code f(x).backward(r)} leaves in each input; the numeric one is
 * {@code (F(x + h·eⱼ) − F(x − h·eⱼ)) / 2h} for every element j of every input that requires a gradient.
 * <p>
 * Note [Gradient-check error measure]
 * Element-wise relative error {@code |a − n| / max(|a|, |n|)} is meaningless near zero: a gradient
 * that is 0 analytically comes out ~1e-10 numerically (rounding), a 100 % "error". So the error of
 * element j of input i is measured against the scale of that input's whole gradient, floored at a
 * level that stays well above the rounding noise of the central difference:
 * <pre>{@code error(j) = |aⱼ − nⱼ| / max(sᵢ, floor)
 * sᵢ    = max over the elements k of input i of max(|aₖ|, |nₖ|)
 * floor = 1e-3 · max(1, Σₖ |f(x)ₖ·rₖ|)}</pre>
 * For the largest entries this is the ordinary relative error; entries near zero are held to the
 * same absolute accuracy as the large ones. The floor matters only for an input whose whole gradient
 * is tiny, such as the key-projection bias of attention, which softmax's shift invariance cancels
 * exactly. Rounding in F is about {@code 1e-16·Σ|fₖ·rₖ|} and the difference quotient divides it by
 * h, so with h = 1e-6 the numeric gradient carries ~1e-10·Σ|fₖ·rₖ| of noise: pure noise scores
 * ~1e-7 in this measure, below the usual tolerance of 1e-6. Truncation error is ~h²·|F'''|,
 * negligible. A NaN anywhere makes the error NaN, which no tolerance passes.
 * <pre>{@code
 * Tensor w = Tensor.randn(Shape.of(3, 4), 1, DType.FLOAT64).requiresGrad(true);
 * Tensor x = Tensor.randn(Shape.of(2, 4), 2, DType.FLOAT64).requiresGrad(true);
 * GradCheck.assertClose(GradCheck.check(in -> in.get(1).matmul(in.get(0).transpose(0, 1)).tanh(), List.of(w, x)), 1e-6);
 * }</pre>
 */
public final class GradCheck {
    /** Default finite-difference step. */
    public static final double DEFAULT_EPS = 1e-6;
    /** Relative lower bound of the gradient scale in the error measure (see Note [Gradient-check error measure]). */
    public static final double SCALE_FLOOR = 1e-3;
    private static final long PROJECTION_SEED = 0x5DEECE66DL;

    private GradCheck() {
    }

    /**
     * The worst element found by a check.
     * @param maxError the largest error (Note [Gradient-check error measure]); NaN if any gradient was NaN
     * @param input index of the input holding the worst element
     * @param element flat (row-major) index of that element within its input
     * @param inputShape shape of that input
     * @param analytic autograd's value there
     * @param numeric the central difference there
     * @param scale the scale {@code max(sᵢ, floor)} the error was divided by
     * @param checkedElements how many elements were compared, over all inputs
     */
    public record Result(double maxError, int input, int element, Shape inputShape, double analytic, double numeric, double scale,
                         int checkedElements) {
        /** The worst element's multi-index within its input. */
        public int[] position() {
            int[] d = inputShape.toArray(), pos = new int[d.length];
            int rest = element;
            for (int i = d.length - 1; i >= 0; i--) {
                pos[i] = d[i] == 0 ? 0 : rest % d[i];
                rest = d[i] == 0 ? 0 : rest / d[i];
            }
            return pos;
        }

        /** True when {@code maxError ≤ tol} (false for NaN). */
        public boolean passes(double tol) {
            return maxError <= tol;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "max error %.3e at input %d %s element %s (analytic=%.12g, numeric=%.12g, |a−n|=%.3e, scale %.3e; %d elements checked)",
                    maxError, input, inputShape, Arrays.toString(position()), analytic, numeric, Math.abs(analytic - numeric), scale,
                    checkedElements);
        }
    }

    /** {@link #check(Function, List, double)} with {@link #DEFAULT_EPS}. */
    public static Result check(Function<List<Tensor>, Tensor> f, List<Tensor> inputs) {
        return check(f, inputs, DEFAULT_EPS);
    }

    /**
     * Checks {@code f}'s gradient with respect to every input that requires one. Each evaluation
     * gets fresh leaf tensors rebuilt from host copies of the inputs (perturbed where needed), so
     * {@code inputs} themselves are never modified and never receive gradients.
     * @param f the function; it must return a FLOAT64 tensor and must be deterministic
     * @param inputs floating-point inputs must be FLOAT64; integer inputs (indices, labels) are passed through unchanged
     * @param eps finite-difference step h
     * @throws IllegalArgumentException for a FLOAT32 input or output, or when no input requires a gradient
     */
    public static Result check(Function<List<Tensor>, Tensor> f, List<Tensor> inputs, double eps) {
        checkEps(eps);
        int n = inputs.size();
        double[][] values = new double[n][];
        boolean[] wants = new boolean[n];
        for (int i = 0; i < n; i++) {
            Tensor t = inputs.get(i);
            if (t.dtype().isFloatingPoint()) {
                requireFloat64("input " + i, t);
                values[i] = t.toDoubleArray();
                wants[i] = t.requiresGrad();
            }
        }
        requireSomeGrad(wants, inputs);
        Function<double[][], List<Tensor>> leaves = vals -> {
            List<Tensor> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Tensor t = inputs.get(i);
                out.add(vals[i] == null ? t : Tensor.fromArray(vals[i], t.shape(), t.device()).requiresGrad(wants[i]));
            }
            return out;
        };

        double[][] analytic = new double[n][];
        double[] r;
        double floor;
        try (MemoryScope scope = MemoryScope.open()) {
            List<Tensor> xs = leaves.apply(values);
            Tensor y = output(f.apply(xs));
            Tensor proj = Tensor.randn(y.shape(), PROJECTION_SEED, 0, 0, 1, DType.FLOAT64, y.device());
            r = proj.toDoubleArray();
            floor = floor(y, r);
            if (y.requiresGrad()) y.backward(proj);
            for (int i = 0; i < n; i++) {
                if (!wants[i]) continue;
                Tensor g = xs.get(i).grad();
                analytic[i] = g == null ? new double[values[i].length] : g.toDoubleArray();
            }
        }
        return compare(analytic, numeric(values, wants, eps, vals -> {
            try (MemoryScope scope = MemoryScope.open(); Autograd.NoGrad ng = Autograd.noGrad()) {
                return project(output(f.apply(leaves.apply(vals))), r);
            }
        }), inputs, floor);
    }

    /**
     * Checks the gradient of {@code f} with respect to tensors it reads itself, such as a module's
     * parameters and an input it closes over: each tensor is perturbed in place, one element at a
     * time, and restored afterwards. Any gradient already accumulated in them is dropped.
     * @param f computes the output from the current values of {@code tensors}; FLOAT64, deterministic
     * @param tensors contiguous FLOAT64 leaves; those that require a gradient are checked
     * @param eps finite-difference step h
     */
    public static Result checkInPlace(Supplier<Tensor> f, List<Tensor> tensors, double eps) {
        checkEps(eps);
        int n = tensors.size();
        double[][] values = new double[n][];
        boolean[] wants = new boolean[n];
        for (int i = 0; i < n; i++) {
            Tensor t = tensors.get(i);
            requireFloat64("tensor " + i, t);
            if (!t.isLeaf()) throw new IllegalArgumentException("gradCheck: tensor " + i + " " + t.shape() + " is not a leaf; it cannot be perturbed in place");
            if (!t.isContiguous()) throw new IllegalArgumentException("gradCheck: tensor " + i + " " + t.shape() + " must be contiguous to be perturbed in place");
            values[i] = t.toDoubleArray();
            wants[i] = t.requiresGrad();
        }
        requireSomeGrad(wants, tensors);

        double[][] analytic = new double[n][];
        double[] r;
        double floor;
        for (Tensor t : tensors) t.zeroGrad();
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor y = output(f.get());
            Tensor proj = Tensor.randn(y.shape(), PROJECTION_SEED, 0, 0, 1, DType.FLOAT64, y.device());
            r = proj.toDoubleArray();
            floor = floor(y, r);
            if (y.requiresGrad()) y.backward(proj);
            for (int i = 0; i < n; i++) {
                if (!wants[i]) continue;
                Tensor g = tensors.get(i).grad();
                analytic[i] = g == null ? new double[values[i].length] : g.toDoubleArray();
            }
        } finally {
            for (Tensor t : tensors) t.zeroGrad();
        }
        double[][] numeric;
        try {
            numeric = numeric(values, wants, eps, vals -> {
                try (MemoryScope scope = MemoryScope.open(); Autograd.NoGrad ng = Autograd.noGrad()) {
                    // Every tensor is rewritten: cheap for the small tensors a check uses, and restores the previous one for free.
                    for (int i = 0; i < n; i++) write(tensors.get(i), vals[i]);
                    return project(output(f.get()), r);
                }
            });
        } finally {
            try (MemoryScope scope = MemoryScope.open(); Autograd.NoGrad ng = Autograd.noGrad()) {
                for (int i = 0; i < n; i++) write(tensors.get(i), values[i]);
            }
        }
        return compare(analytic, numeric, tensors, floor);
    }

    /** {@code assertClose(check(f, inputs, DEFAULT_EPS), tol)}. */
    public static Result assertGradients(Function<List<Tensor>, Tensor> f, List<Tensor> inputs, double tol) {
        Result r = check(f, inputs, DEFAULT_EPS);
        assertClose(r, tol);
        return r;
    }

    /**
     * Throws {@link AssertionError} naming the worst element, both values and the error when
     * {@code r.maxError() > tol} or is NaN.
     */
    public static void assertClose(Result r, double tol) {
        if (!r.passes(tol))
            throw new AssertionError("gradient check failed: " + r + " > tolerance " + tol
                    + " (error = |analytic − numeric| / max(largest |gradient| of that input, floor); see GradCheck's Javadoc)");
    }

    // ---- internals ----------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Objective {
        double value(double[][] vals);
    }

    private static double[][] numeric(double[][] values, boolean[] wants, double h, Objective objective) {
        double[][] out = new double[values.length][];
        double[][] vals = new double[values.length][];
        for (int i = 0; i < values.length; i++) vals[i] = values[i] == null ? null : values[i].clone();
        for (int i = 0; i < values.length; i++) {
            if (!wants[i]) continue;
            double[] g = out[i] = new double[vals[i].length];
            for (int j = 0; j < g.length; j++) {
                double keep = vals[i][j];
                vals[i][j] = keep + h;
                double up = objective.value(vals);
                vals[i][j] = keep - h;
                double down = objective.value(vals);
                vals[i][j] = keep;
                g[j] = (up - down) / (2 * h);
            }
        }
        return out;
    }

    private static Result compare(double[][] analytic, double[][] numeric, List<Tensor> inputs, double floor) {
        Result worst = null;
        int checked = 0;
        for (int i = 0; i < analytic.length; i++) {
            if (analytic[i] == null) continue;
            double[] a = analytic[i], nu = numeric[i];
            double s = floor;
            for (int j = 0; j < a.length; j++) s = Math.max(s, Math.max(Math.abs(a[j]), Math.abs(nu[j])));
            for (int j = 0; j < a.length; j++) {
                double e = Math.abs(a[j] - nu[j]) / s;
                if (Double.isNaN(a[j]) || Double.isNaN(nu[j]) || Double.isNaN(s)) e = Double.NaN;
                if (worst == null || e > worst.maxError || (Double.isNaN(e) && !Double.isNaN(worst.maxError)))
                    worst = new Result(e, i, j, inputs.get(i).shape(), a[j], nu[j], s, 0);
            }
            checked += a.length;
        }
        if (worst == null) // every checked input was empty
            return new Result(0, -1, 0, Shape.scalar(), 0, 0, floor, 0);
        return new Result(worst.maxError, worst.input, worst.element, worst.inputShape, worst.analytic, worst.numeric, worst.scale, checked);
    }

    /** {@code SCALE_FLOOR · max(1, Σ|yₖ·rₖ|)}: see Note [Gradient-check error measure]. */
    private static double floor(Tensor y, double[] r) {
        double[] v = y.toDoubleArray();
        double m = 0;
        for (int k = 0; k < v.length; k++) m += Math.abs(v[k] * r[k]);
        return SCALE_FLOOR * Math.max(1, Double.isFinite(m) ? m : 1);
    }

    private static double project(Tensor y, double[] r) {
        double[] v = y.toDoubleArray();
        double s = 0;
        for (int k = 0; k < v.length; k++) s += v[k] * r[k];
        return s;
    }

    private static void write(Tensor t, double[] vals) {
        t.copyFrom(Tensor.fromArray(vals, t.shape(), t.device()));
    }

    private static Tensor output(Tensor y) {
        if (y == null) throw new IllegalArgumentException("gradCheck: the function returned null");
        if (y.dtype() != DType.FLOAT64)
            throw new IllegalArgumentException("gradCheck: the function returned " + y.shape() + " " + y.dtype().shortName()
                    + "; a gradient check needs float64 throughout (convert modules with to(DType.FLOAT64))");
        return y;
    }

    private static void requireFloat64(String what, Tensor t) {
        if (t.dtype() != DType.FLOAT64)
            throw new IllegalArgumentException("gradCheck: " + what + " is " + t.shape() + " " + t.dtype().shortName()
                    + "; central differences need float64 (float32 rounding is ~1e-7, larger than the differences)");
    }

    private static void requireSomeGrad(boolean[] wants, List<Tensor> inputs) {
        for (boolean w : wants) if (w) return;
        StringBuilder sb = new StringBuilder();
        for (Tensor t : inputs) sb.append(sb.length() == 0 ? "" : ", ").append(t.shape()).append(' ').append(t.dtype().shortName());
        throw new IllegalArgumentException("gradCheck: no input requires a gradient (inputs: " + sb
                + "); mark the ones to check with requiresGrad(true)");
    }

    private static void checkEps(double eps) {
        if (!(eps > 0 && eps < 1)) throw new IllegalArgumentException("gradCheck: eps must be in (0, 1), got " + eps);
    }
}
