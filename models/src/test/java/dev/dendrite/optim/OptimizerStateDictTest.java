package dev.dendrite.optim;

import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.dendrite.optim.OptimTestSupport.param;
import static dev.dendrite.optim.OptimTestSupport.setGrad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Saving and restoring optimizer state: a resumed run must take exactly the uninterrupted run's steps. */
class OptimizerStateDictTest {
    private static final double[][] GRADS_A = {{0.5, -1}, {-0.5, 2}, {1, 0.25}, {0.3, -0.7}};
    private static final double[][] GRADS_B = {{2, 1, -1}, {0.5, 0.5, 0.5}, {-1, 3, 0}, {0.1, -0.2, 0.3}};

    static List<String> names() {
        return Optimizers.NAMES;
    }

    /** Detached host round trip, as a checkpoint file would do it. */
    private static Map<String, Tensor> copyOf(Map<String, Tensor> state) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        state.forEach((k, t) -> out.put(k, t.dtype() == DType.INT64
                ? Tensor.fromArray(t.toLongArray(), Shape.of(t.shape().toArray()), t.device())
                : Tensor.fromArray(t.toDoubleArray(), Shape.of(t.shape().toArray()), t.device())));
        return out;
    }

    private static void stepWith(Optimizer opt, Tensor a, Tensor b, int i) {
        setGrad(a, GRADS_A[i]);
        setGrad(b, GRADS_B[i]);
        opt.step();
    }

    @ParameterizedTest
    @MethodSource("names")
    void resumedRunMatchesUninterruptedRun(String name) {
        // Uninterrupted: four steps.
        Tensor a = param(1, -2), b = param(0.5, 0.25, -1);
        Optimizer opt = Optimizers.create(name, List.of(a, b), 0.05);
        for (int i = 0; i < 3; i++) stepWith(opt, a, b, i);
        Map<String, Tensor> saved = copyOf(opt.stateDict());
        double[] a3 = a.toDoubleArray(), b3 = b.toDoubleArray();
        stepWith(opt, a, b, 3);

        // Resumed: same parameter values, a new optimizer, the saved state, then step four.
        Tensor a2 = param(a3), b2 = param(b3);
        Optimizer resumed = Optimizers.create(name, List.of(a2, b2), 0.05);
        resumed.loadStateDict(saved);
        assertEquals(3, resumed.stepCount());
        stepWith(resumed, a2, b2, 3);
        assertArrayEquals(a.toDoubleArray(), a2.toDoubleArray(), 0.0, name + ": parameter 0 after resuming");
        assertArrayEquals(b.toDoubleArray(), b2.toDoubleArray(), 0.0, name + ": parameter 1 after resuming");

        // Without the state the fourth step differs (for every method with state), so the check above has teeth.
        if (!opt.stateSlots().isEmpty()) {
            Tensor a4 = param(a3), b4 = param(b3);
            Optimizer fresh = Optimizers.create(name, List.of(a4, b4), 0.05);
            stepWith(fresh, a4, b4, 3);
            assertFalse(java.util.Arrays.equals(a.toDoubleArray(), a4.toDoubleArray()), name + ": a fresh optimizer should differ");
        }
    }

    @Test
    void stateDictNamesShapesAndStepCounters() {
        Tensor a = param(1, -2), b = param(0.5, 0.25, -1);
        Adam opt = new Adam(List.of(a, b), 0.1);
        assertEquals(List.of("step"), List.copyOf(opt.stateDict().keySet()), "nothing but the counter before any update");
        setGrad(a, 1, 1);
        opt.step();
        opt.step();   // a's gradient is still set: updated twice; b never
        Map<String, Tensor> s = opt.stateDict();
        assertEquals(List.of("step", "0.step", "0.exp_avg", "0.exp_avg_sq"), List.copyOf(s.keySet()));
        assertEquals(DType.INT64, s.get("step").dtype());
        assertEquals(0, s.get("step").rank());
        assertEquals(2.0, s.get("step").item());
        assertEquals(2.0, s.get("0.step").item());
        assertEquals(Shape.of(2), s.get("0.exp_avg").shape());
        // m = 0.9·0.1 + 0.1 = 0.19 after two updates with g = 1
        assertArrayEquals(new double[]{0.19, 0.19}, s.get("0.exp_avg").toDoubleArray(), 1e-15);
    }

    @Test
    void loadingDropsStateOfParametersAbsentFromTheDict() {
        Tensor a = param(1, -2);
        SGD opt = new SGD(List.of(a), 0.1, 0.9);
        setGrad(a, 1, 1);
        opt.step();
        Map<String, Tensor> empty = new LinkedHashMap<>();
        empty.put("step", Tensor.scalar(7, DType.INT64));
        opt.loadStateDict(empty);
        assertEquals(7, opt.stepCount());
        assertFalse(opt.stateDict().containsKey("0.momentum_buffer"));
        opt.step();   // fresh buffer: b = g, θ = [0.9, −2.1] − 0.1·[1, 1]
        assertArrayEquals(new double[]{0.8, -2.2}, a.toDoubleArray(), 1e-15);
    }

    @Test
    void loadReportsEveryProblemAndChangesNothing() {
        Tensor a = param(1, -2), b = param(0.5, 0.25, -1);
        Adam opt = new Adam(List.of(a, b), 0.1);
        setGrad(a, 1, 1);
        opt.step();
        double[] before = opt.stateDict().get("0.exp_avg").toDoubleArray();

        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("0.step", Tensor.scalar(1, DType.INT64));
        bad.put("0.exp_avg", Tensor.zeros(Shape.of(3), DType.FLOAT64));          // wrong shape
        bad.put("0.exp_avg_sq", Tensor.zeros(Shape.of(2), DType.FLOAT64));
        bad.put("0.momentum_buffer", Tensor.zeros(Shape.of(2), DType.FLOAT64));  // not an Adam slot
        bad.put("5.exp_avg", Tensor.zeros(Shape.of(2), DType.FLOAT64));          // no parameter 5
        bad.put("1.exp_avg", Tensor.zeros(Shape.of(3), DType.FLOAT64));          // incomplete: no 1.exp_avg_sq, no 1.step
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(bad));
        String m = e.getMessage();
        assertTrue(m.startsWith("loadStateDict: Adam: "), m);
        assertTrue(m.contains("missing 'step'"), m);
        assertTrue(m.contains("'0.exp_avg' has shape [3], parameter 0 has shape [2]"), m);
        assertTrue(m.contains("unexpected '0.momentum_buffer'") && m.contains("'i.exp_avg_sq'"), m);
        assertTrue(m.contains("'5.exp_avg' is for parameter 5 but there are 2 parameters"), m);
        assertTrue(m.contains("missing '1.exp_avg_sq'") && m.contains("missing '1.step'"), m);
        assertArrayEquals(before, opt.stateDict().get("0.exp_avg").toDoubleArray(), 0.0, "state must be untouched");
        assertEquals(1, opt.stepCount());
    }

    @Test
    void loadRejectsStateOfAnotherConfiguration() {
        Tensor a = param(1, -2);
        SGD momentum = new SGD(List.of(a), 0.1, 0.9);
        setGrad(a, 1, 1);
        momentum.step();
        SGD plain = new SGD(List.of(param(1, -2)), 0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plain.loadStateDict(momentum.stateDict()));
        assertTrue(e.getMessage().contains("unexpected '0.momentum_buffer'"), e.getMessage());
    }

    @Test
    void loadRejectsBadCounters() {
        Adam opt = new Adam(List.of(param(1, -2)), 0.1);
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("step", Tensor.scalar(-1, DType.FLOAT64));
        bad.put("0.step", Tensor.fromArray(new long[]{1, 2}, 2));
        bad.put("0.exp_avg", Tensor.zeros(Shape.of(2), DType.FLOAT64));
        bad.put("0.exp_avg_sq", Tensor.zeros(Shape.of(2), DType.FLOAT64));
        bad.put("x.exp_avg", Tensor.zeros(Shape.of(2), DType.FLOAT64));
        String m = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(bad)).getMessage();
        assertTrue(m.contains("'step' must be a non-negative integer, got -1.0"), m);
        assertTrue(m.contains("'0.step' must hold one value, got shape [2]"), m);
        assertTrue(m.contains("unexpected 'x.exp_avg'"), m);
    }

    @Test
    void loadConvertsDtype() {
        Tensor a = param(1, -2);
        SGD opt = new SGD(List.of(a), 0.1, 0.5);
        Map<String, Tensor> s = new LinkedHashMap<>();
        s.put("step", Tensor.scalar(1, DType.INT64));
        s.put("0.step", Tensor.scalar(1, DType.INT64));
        s.put("0.momentum_buffer", Tensor.fromArray(new float[]{2, -4}, 2));   // FLOAT32 state, FLOAT64 parameter
        opt.loadStateDict(s);
        setGrad(a, 1, 1);
        opt.step();   // b = 0.5·[2, −4] + [1, 1] = [2, −1];  θ = [1 − 0.2, −2 + 0.1]
        assertArrayEquals(new double[]{0.8, -1.9}, a.toDoubleArray(), 1e-15);
    }
}
