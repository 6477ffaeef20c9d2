package dev.dendrite.parity;

import dev.dendrite.DType;
import dev.dendrite.Device;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One entry of the op catalog: an op, an awkward situation for it (odd sizes, broadcasting, rank 0,
 * zero size, a non-contiguous view, ...), its inputs as seeded host data, the computation, the
 * dtypes it runs in and the tolerances with their reasons. Every runner reads the same entry: the
 * gradient check in FLOAT64, the backend comparison, the FLOAT32-vs-FLOAT64 comparison.
 *
 * @param op the op's name as the report groups it ({@code conv2d}, {@code unary.exp}, {@code rnn.lstm})
 * @param name the situation ({@code "dilation (2,1) with groups 2"})
 * @param inputs the inputs, created from host data on the device under test
 * @param fn the computation; it must create any other tensor on {@link Args#device()}
 * @param dtypes the dtypes of the case: FLOAT32 and FLOAT64 for float cases, or one integer dtype
 * @param tolerance tolerances per dtype (Note [Parity tolerances])
 * @param differentiable whether the runners check gradients (the output must then be floating point)
 * @param gradTol the gradient check's tolerance in {@code GradCheck}'s error measure
 * @param gradTolWhy the reason for {@code gradTol}
 * @param noGradCheckWhy null, or why the gradient check (central differences) does not apply although
 *                       gradients are still compared between backends and dtypes (a subgradient
 *                       convention at ties, which one-sided differences cannot see)
 */
public record OpCase(String op, String name, List<InputSpec> inputs, CaseFn fn, List<DType> dtypes, Tolerance.Pair tolerance,
                     boolean differentiable, double gradTol, String gradTolWhy, String noGradCheckWhy) {
    /** {@code GradCheck}'s noise floor is ~1e-7 in its measure (its Note [Gradient-check error measure]); 1e-6 leaves 10×. */
    public static final double DEFAULT_GRAD_TOL = 1e-6;

    public OpCase {
        Objects.requireNonNull(op);
        Objects.requireNonNull(name);
        inputs = List.copyOf(inputs);
        dtypes = List.copyOf(dtypes);
        if (dtypes.isEmpty()) throw new IllegalArgumentException("catalog " + op + "/" + name + ": no dtype");
    }

    /** {@code op/name}, the key the report and {@code --filter} use. */
    public String id() {
        return op + "/" + name;
    }

    /** Whether the case runs in floating point (and so has a FLOAT32-vs-FLOAT64 leg). */
    public boolean isFloat() {
        return dtypes.stream().allMatch(DType::isFloatingPoint);
    }

    /** {@code x[2,3,7,6] w[4,3,3,3]}: the inputs' names and shapes, for messages. */
    public String describeInputs() {
        StringBuilder sb = new StringBuilder();
        for (InputSpec s : inputs) sb.append(sb.length() == 0 ? "" : " ").append(s.name()).append(Arrays.toString(s.shape().toArray()).replace(" ", ""));
        return sb.length() == 0 ? "(no inputs)" : sb.toString();
    }

    /** A stable seed for input {@code index} of this case (a string hash, so unrelated to catalog order). */
    long seedOf(int index) {
        long h = 0xcbf29ce484222325L; // FNV-1a over the id
        for (byte b : (id() + "#" + index).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /**
     * One input.
     * @param name short name for messages ({@code x}, {@code w}, {@code labels})
     * @param shape its shape
     * @param gen how its values are drawn
     * @param dtype a fixed dtype (labels, indices), or null for the case's dtype
     * @param grad whether a gradient is checked for it (floating point only)
     */
    public record InputSpec(String name, Shape shape, Gen gen, DType dtype, boolean grad) {
        /** The dtype of this input when the case runs in {@code caseDType}. */
        public DType dtypeFor(DType caseDType) {
            return dtype != null ? dtype : caseDType;
        }

        /** Whether this input is differentiated in a run of {@code caseDType}. */
        public boolean wantsGrad(DType caseDType) {
            return grad && dtypeFor(caseDType).isFloatingPoint();
        }
    }

    /**
     * What a case's computation sees: its inputs, already on the device, and the device and dtype
     * of the run (for any tensor it creates itself).
     */
    public record Args(List<Tensor> tensors, Device device, DType dtype) {
        /** Input {@code i}, on {@link #device()}. */
        public Tensor get(int i) {
            return tensors.get(i);
        }

        /** Shorthand for {@link #get}. */
        public Tensor t(int i) {
            return tensors.get(i);
        }
    }

    /** The computation of a case. */
    @FunctionalInterface
    public interface CaseFn {
        Tensor apply(Args a);
    }

    /** Starts a case for {@code op}. */
    public static Builder of(String op, String name) {
        return new Builder(op, name);
    }

    /** Fluent construction of a case; defaults: FLOAT32 and FLOAT64, pointwise tolerance, differentiable. */
    public static final class Builder {
        private final String op, name;
        private final List<InputSpec> inputs = new ArrayList<>();
        private CaseFn fn;
        private List<DType> dtypes = List.of(DType.FLOAT32, DType.FLOAT64);
        private Tolerance.Pair tolerance = Tolerance.pointwise();
        private boolean differentiable = true;
        private double gradTol = DEFAULT_GRAD_TOL;
        private String gradTolWhy = "GradCheck's noise floor is ~1e-7 in its measure; 1e-6 leaves 10× headroom";
        private String noGradCheckWhy;

        private Builder(String op, String name) {
            this.op = op;
            this.name = name;
        }

        /** A float input in the case's dtype whose gradient is checked. */
        public Builder in(String name, Gen gen, int... dims) {
            inputs.add(new InputSpec(name, Shape.of(dims), gen, null, true));
            return this;
        }

        /** A float input in the case's dtype that is not differentiated (running statistics, targets). */
        public Builder constant(String name, Gen gen, int... dims) {
            inputs.add(new InputSpec(name, Shape.of(dims), gen, null, false));
            return this;
        }

        /** An input of a fixed integer dtype (labels, indices). */
        public Builder ints(String name, DType dtype, Gen gen, int... dims) {
            if (dtype.isFloatingPoint()) throw new IllegalArgumentException("catalog " + op + "/" + name + ": ints() needs an integer dtype");
            inputs.add(new InputSpec(name, Shape.of(dims), gen, dtype, false));
            return this;
        }

        /** The computation (required). */
        public Builder fn(CaseFn f) {
            this.fn = f;
            return this;
        }

        /** The dtypes the case runs in (default FLOAT32 and FLOAT64; integer cases name one). */
        public Builder dtypes(DType... d) {
            this.dtypes = List.of(d);
            return this;
        }

        /** The tolerances (default {@link Tolerance#pointwise()}). */
        public Builder tol(Tolerance.Pair t) {
            this.tolerance = t;
            return this;
        }

        /** No gradients: comparisons, argmax, integer ops, random draws. */
        public Builder noGrad() {
            this.differentiable = false;
            return this;
        }

        /** Gradients are compared between runs but not checked against central differences, for the reason given. */
        public Builder noGradCheck(String why) {
            this.noGradCheckWhy = why;
            return this;
        }

        /** The gradient check's tolerance in {@code GradCheck}'s error measure, with its reason. */
        public Builder gradTol(double tol, String why) {
            this.gradTol = tol;
            this.gradTolWhy = why;
            return this;
        }

        /** The case; differentiable only when it runs in floating point and some input is differentiated. */
        public OpCase build() {
            if (fn == null) throw new IllegalStateException("catalog " + op + "/" + name + ": no computation");
            boolean anyInt = dtypes.stream().anyMatch(d -> !d.isFloatingPoint());
            boolean anyGradInput = inputs.stream().anyMatch(InputSpec::grad);
            return new OpCase(op, name, inputs, fn, dtypes, tolerance, differentiable && !anyInt && anyGradInput, gradTol, gradTolWhy,
                    noGradCheckWhy);
        }
    }
}
