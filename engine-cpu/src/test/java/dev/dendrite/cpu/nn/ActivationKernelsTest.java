package dev.dendrite.cpu.nn;

import static dev.dendrite.cpu.nn.NnTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dendrite.ops.ActivationOp;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class ActivationKernelsTest {
    private static final double ALPHA = 0.2;

    /** The forward functions, written independently of the kernels (GELU through the tested Φ). */
    private static DoubleUnaryOperator forward(ActivationOp op) {
        return switch (op) {
            case RELU -> v -> Math.max(v, 0);
            case LEAKY_RELU -> v -> v > 0 ? v : ALPHA * v;
            case ELU -> v -> v > 0 ? v : ALPHA * (Math.exp(v) - 1);
            case GELU -> v -> v * ActivationKernels.normalCdf(v);
            case SIGMOID -> v -> 1 / (1 + Math.exp(-v));
            case TANH -> Math::tanh;
        };
    }

    @Test
    void handComputedValues() {
        // x = [−2, −0.5, 0, 1.5], dy = [1, 2, 3, 4].
        double[] x = {-2, -0.5, 0, 1.5}, dy = {1, 2, 3, 4}, dx = new double[4];
        ActivationKernels.backward(ActivationOp.RELU, x, 0, null, 0, dy, 0, 0, dx, 0, 4);
        assertArrayEquals(new double[]{0, 0, 0, 4}, dx, 0);   // x = 0 takes the left derivative 0
        ActivationKernels.backward(ActivationOp.LEAKY_RELU, x, 0, null, 0, dy, 0, 0.1, dx, 0, 4);
        assertArrayEquals(new double[]{0.1, 0.2, 0.30000000000000004, 4}, dx, 1e-16);
        // ELU, α = 1: dy·e^x on the left: [e^−2, 2e^−0.5, 3, 4].
        ActivationKernels.backward(ActivationOp.ELU, x, 0, null, 0, dy, 0, 1, dx, 0, 4);
        assertArrayEquals(new double[]{Math.exp(-2), 2 * Math.exp(-0.5), 3, 4}, dx, 1e-16);
        // SIGMOID from y = [0.5, 0.25]: y(1−y) = [0.25, 0.1875]; TANH from y = [0.5, −0.8]: 1−y² = [0.75, 0.36].
        double[] d2 = new double[2];
        ActivationKernels.backward(ActivationOp.SIGMOID, null, 0, new double[]{0.5, 0.25}, 0, new double[]{1, 2}, 0, 0, d2, 0, 2);
        assertArrayEquals(new double[]{0.25, 0.375}, d2, 1e-16);
        ActivationKernels.backward(ActivationOp.TANH, null, 0, new double[]{0.5, -0.8}, 0, new double[]{1, 2}, 0, 0, d2, 0, 2);
        assertArrayEquals(new double[]{0.75, 0.72}, d2, 1e-15);
        // GELU'(0) = Φ(0) + 0 = 0.5; GELU'(1) = Φ(1) + φ(1) = 0.8413447460685429 + 0.24197072451914337.
        ActivationKernels.backward(ActivationOp.GELU, new double[]{0, 1}, 0, null, 0, new double[]{1, 1}, 0, 0, d2, 0, 2);
        assertArrayEquals(new double[]{0.5, 1.0833154705876864}, d2, 1e-15);
    }

    @Test
    void normalCdfMatchesTableValues() {
        // Φ from published tables (to 16 digits); tolerances are a few ulp of each value.
        assertEquals(0.5, ActivationKernels.normalCdf(0), 0);
        assertEquals(0.6914624612740131, ActivationKernels.normalCdf(0.5), 3e-16);
        assertEquals(0.8413447460685429, ActivationKernels.normalCdf(1), 3e-16);
        assertEquals(0.15865525393145707, ActivationKernels.normalCdf(-1), 1e-16);
        assertEquals(0.06680720126885807, ActivationKernels.normalCdf(-1.5), 5e-17);   // series/tail switch
        assertEquals(0.022750131948179207, ActivationKernels.normalCdf(-2), 2e-17);
        assertEquals(0.0013498980316300946, ActivationKernels.normalCdf(-3), 1e-18);
        assertEquals(0.9986501019683699, ActivationKernels.normalCdf(3), 1e-15);
        assertEquals(2.866515718791939e-7, ActivationKernels.normalCdf(-5), 1e-21);
        assertEquals(7.619853024160526e-24, ActivationKernels.normalCdf(-10), 1e-36);
        assertEquals(1, ActivationKernels.geluDerivative(Double.POSITIVE_INFINITY), 0);
        assertEquals(0, ActivationKernels.geluDerivative(Double.NEGATIVE_INFINITY), 0);
    }

    /** dx against central differences of f for every op, at points away from the kink at 0. */
    @Test
    void backwardMatchesFiniteDifferences() {
        Random rnd = new Random(21);
        int n = 40;
        double[] x = randn(rnd, n), dy = randn(rnd, n);
        for (int i = 0; i < n; i++) {
            x[i] *= 3;
            if (Math.abs(x[i]) < 0.01) x[i] = 0.5;
        }
        for (ActivationOp op : ActivationOp.values()) {
            DoubleUnaryOperator f = forward(op);
            double[] y = new double[n], dx = new double[n];
            for (int i = 0; i < n; i++) y[i] = f.applyAsDouble(x[i]);
            ActivationKernels.backward(op, x, 0, y, 0, dy, 0, ALPHA, dx, 0, n);
            double[] numeric = numericGradient(x, 1e-5, () -> {
                double s = 0;
                for (int i = 0; i < n; i++) s += dy[i] * f.applyAsDouble(x[i]);
                return s;
            });
            assertGradient(op + " dx", dx, numeric, 1e-6);
        }
    }

    @Test
    void floatAgreesWithDouble() {
        int n = 100_000;
        Random rnd = new Random(4);
        float[] xf = toFloat(randn(rnd, n)), dyf = toFloat(randn(rnd, n));
        for (ActivationOp op : ActivationOp.values()) {
            DoubleUnaryOperator f = forward(op);
            float[] yf = new float[n];
            for (int i = 0; i < n; i++) yf[i] = (float) f.applyAsDouble(xf[i]);
            double[] dx = new double[n + 1];
            float[] dxf = new float[n + 1];
            ActivationKernels.backward(op, toDouble(xf), 0, toDouble(yf), 0, toDouble(dyf), 0, ALPHA, dx, 1, n);
            ActivationKernels.backward(op, xf, 0, yf, 0, dyf, 0, ALPHA, dxf, 1, n);
            assertClose(op + " float vs double", dx, dxf, 1e-30, 1.2e-7);
        }
    }

    @Test
    void missingOperandIsNamed() {
        float[] a = new float[2];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ActivationKernels.backward(ActivationOp.SIGMOID, a, 0, null, 0, a, 0, 0, a, 0, 2));
        assertEquals("activationBackward: SIGMOID reads the forward output y, which is null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ActivationKernels.backward(ActivationOp.RELU, null, 0, a, 0, a, 0, 0, a, 0, 2));
        assertEquals("activationBackward: RELU reads the forward input x, which is null", e.getMessage());
    }
}
