package dev.dendrite.nn;

import dev.dendrite.Autograd;
import dev.dendrite.DType;
import dev.dendrite.GradCheck;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shared helpers for the layer tests: FLOAT64 random inputs and gradient checks of a module's inputs and parameters. */
final class LayerChecks {
    /** Largest accepted gradient-check error (Note [Gradient-check error measure] in {@link GradCheck}). */
    static final double TOL = 1e-6;

    private LayerChecks() {
    }

    /** A FLOAT64 leaf with N(0, 1) entries that requires a gradient. */
    static Tensor randn(long seed, int... dims) {
        return Tensor.randn(Shape.of(dims), seed, DType.FLOAT64).requiresGrad(true);
    }

    /**
     * Converts {@code m} to FLOAT64 and checks the gradient of {@code m.forward(x)} with respect to
     * x (if floating-point and requiring a gradient) and every parameter of m. Also asserts that
     * all of them were compared, so a check cannot pass by checking nothing.
     */
    static GradCheck.Result checkModule(Module m, Tensor x) {
        m.to(DType.FLOAT64);
        return checkInPlace(() -> m.forward(x), m, x);
    }

    /** Checks {@code f} (which reads m's parameters and the given inputs) against m's parameters and the inputs. */
    static GradCheck.Result checkInPlace(Supplier<Tensor> f, Module m, Tensor... inputs) {
        List<Tensor> tensors = new ArrayList<>();
        for (Tensor t : inputs) if (t.dtype().isFloatingPoint() && t.requiresGrad()) tensors.add(t);
        tensors.addAll(m.parameters());
        int expected = 0;
        for (Tensor t : tensors) expected += t.numel();
        GradCheck.Result r = GradCheck.checkInPlace(f, tensors, GradCheck.DEFAULT_EPS);
        GradCheck.assertClose(r, TOL);
        assertEquals(expected, r.checkedElements(), "elements compared");
        return r;
    }

    /** Overwrites every parameter of {@code m} with N(mean, 0.5²) values (layers whose defaults are constants: γ = 1, β = 0). */
    static <M extends Module> M randomize(M m, long seed, double mean) {
        int i = 0;
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            for (Tensor p : m.parameters())
                p.copyFrom(Tensor.randn(p.shape(), seed, i++, mean, 0.5, p.dtype(), p.device()));
        }
        return m;
    }

    /** Functional check of {@code f} over {@code inputs} at {@link #TOL}. */
    static GradCheck.Result check(java.util.function.Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        return GradCheck.assertGradients(f, List.of(inputs), TOL);
    }
}
