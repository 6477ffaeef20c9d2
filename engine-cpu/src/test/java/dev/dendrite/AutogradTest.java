package dev.dendrite;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static dev.dendrite.NumericGrad.check;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gradients of every differentiable Tensor op against central differences, and the tape's bookkeeping. */
class AutogradTest {

    /** Random values kept at least 0.05 away from 0, where relu, abs and friends have kinks. */
    private static Nd away(long seed, int... shape) {
        return Nd.random(seed, shape).map(x -> x >= 0 ? x + 0.05 : x - 0.05);
    }

    private static Nd positive(long seed, int... shape) {
        return Nd.random(seed, shape).map(x -> Math.abs(x) + 0.2);
    }

    private static Function<List<Tensor>, Tensor> one(Function<Tensor, Tensor> f) {
        return ts -> f.apply(ts.get(0));
    }

    private static Function<List<Tensor>, Tensor> two(java.util.function.BinaryOperator<Tensor> f) {
        return ts -> f.apply(ts.get(0), ts.get(1));
    }

    // ---- elementwise -------------------------------------------------------------------------

    @Test
    void unaryOps() {
        Nd x = away(1, 2, 3, 4), p = positive(2, 2, 3, 4);
        check("neg", one(Tensor::neg), x);
        check("abs", one(Tensor::abs), x);
        check("exp", one(Tensor::exp), x);
        check("log", one(Tensor::log), p);
        check("sqrt", one(Tensor::sqrt), p);
        check("rsqrt", one(Tensor::rsqrt), p);
        check("square", one(Tensor::square), x);
        check("reciprocal", one(Tensor::reciprocal), p);
        check("relu", one(Tensor::relu), x);
        check("leakyRelu", one(t -> t.leakyRelu(0.1)), x);
        check("sigmoid", one(Tensor::sigmoid), x);
        check("tanh", one(Tensor::tanh), x);
        check("elu", one(t -> t.elu(0.7)), x);
        check("gelu", one(Tensor::gelu), x);
        check("softplus", one(Tensor::softplus), x);
        check("sign", one(Tensor::sign), x);
        // Elements within a step of a clamp bound would straddle the kink: move them off it.
        check("clamp", one(t -> t.clamp(-1.3, 0.7)), x.map(v -> Math.abs(v + 1.3) < 1e-3 || Math.abs(v - 0.7) < 1e-3 ? v + 0.01 : v));
    }

    @Test
    void unaryOpsOnStridedViewsAndScalars() {
        Nd x = away(3, 3, 4);
        check("exp of a transpose", one(t -> t.transpose(0, 1).exp()), x);
        check("gelu of a stepped slice", one(t -> t.slice(1, 1, 4, 2).gelu()), x);
        check("tanh of a scalar", one(Tensor::tanh), new Nd(new int[0], new double[]{0.3}));
        check("sigmoid of an expanded scalar", one(t -> t.expand(2, 3).sigmoid()), new Nd(new int[0], new double[]{-0.7}));
    }

    @Test
    void binaryOpsWithBroadcasting() {
        int[][][] pairs = {{{2, 3, 4}, {3, 1}}, {{3, 1}, {1, 4}}, {{}, {2, 3}}, {{2, 3}, {2, 3}}, {{4}, {2, 1, 4}}};
        for (int[][] s : pairs) {
            Nd a = away(4, s[0]), b = away(5, s[1]), pa = positive(6, s[0]);
            String w = java.util.Arrays.toString(s[0]) + " and " + java.util.Arrays.toString(s[1]);
            check("add " + w, two(Tensor::add), a, b);
            check("sub " + w, two(Tensor::sub), a, b);
            check("mul " + w, two(Tensor::mul), a, b);
            check("div " + w, two(Tensor::div), a, b);
            check("pow " + w, two(Tensor::pow), pa, b);
            check("maximum " + w, two(Tensor::maximum), a, b);
            check("minimum " + w, two(Tensor::minimum), a, b);
            check("comparison has no gradient " + w, two((x, y) -> x.gt(y).mul(x)), a, b);
        }
    }

    @Test
    void binaryOpsOnStridedOperands() {
        Nd a = away(7, 3, 4), b = away(8, 4, 3);
        check("mul of a transpose", two((x, y) -> x.mul(y.transpose(0, 1))), a, b);
        check("div of slices", two((x, y) -> x.slice(1, 0, 4, 2).div(y.narrow(0, 1, 3).slice(1, 0, 3, 2))), a, b);
        check("same tensor twice", one(t -> t.mul(t).add(t)), a);
    }

    @Test
    void scalarForms() {
        Nd x = away(9, 2, 3), p = positive(10, 2, 3);
        check("add(s)", one(t -> t.add(1.5)), x);
        check("sub(s)", one(t -> t.sub(1.5)), x);
        check("rsub(s)", one(t -> t.rsub(1.5)), x);
        check("mul(s)", one(t -> t.mul(-2.5)), x);
        check("div(s)", one(t -> t.div(-2.5)), x);
        check("rdiv(s)", one(t -> t.rdiv(3)), x);
        check("pow(s)", one(t -> t.pow(2.5)), p);
        check("pow(-1.5)", one(t -> t.pow(-1.5)), p);
        check("maximum(s)", one(t -> t.maximum(0.3)), x.map(v -> Math.abs(v - 0.3) < 0.01 ? v + 0.02 : v));
        check("minimum(s)", one(t -> t.minimum(0.3)), x.map(v -> Math.abs(v - 0.3) < 0.01 ? v + 0.02 : v));
    }

    @Test
    void tiesSplitTheGradientEvenly() {
        Tensor a = Tensor.fromArray(new double[]{1, 2, 3}, 3).requiresGrad(true);
        Tensor b = Tensor.fromArray(new double[]{1, 5, 0}, 3).requiresGrad(true);
        a.maximum(b).sum().backward();
        assertArrayEquals(new double[]{0.5, 0, 1}, a.grad().toDoubleArray());
        assertArrayEquals(new double[]{0.5, 1, 0}, b.grad().toDoubleArray());
        Tensor c = Tensor.fromArray(new double[]{2, 1}, 2).requiresGrad(true);
        c.minimum(2).sum().backward();
        assertArrayEquals(new double[]{0.5, 1}, c.grad().toDoubleArray());

        Tensor x = Tensor.fromArray(new double[]{1, 3, 3, -1, 3, 0}, 2, 3).requiresGrad(true);
        x.max().backward();
        assertArrayEquals(new double[]{0, 1.0 / 3, 1.0 / 3, 0, 1.0 / 3, 0}, x.grad().toDoubleArray(), 1e-15);
        x.zeroGrad();
        x.max(new int[]{1}, false).sum().backward();
        assertArrayEquals(new double[]{0, 0.5, 0.5, 0, 1, 0}, x.grad().toDoubleArray());
        x.zeroGrad();
        x.min(new int[]{0}, true).sum().backward();
        assertArrayEquals(new double[]{0, 0.5, 0, 1, 0.5, 1}, x.grad().toDoubleArray());
    }

    // ---- reductions --------------------------------------------------------------------------

    @Test
    void reductions() {
        Nd x = away(11, 2, 3, 4);
        for (int[] axes : new int[][]{{}, {0}, {1}, {-1}, {0, 2}, {1, 2}, {0, 1, 2}})
            for (boolean keep : new boolean[]{false, true}) {
                String w = java.util.Arrays.toString(axes) + " keepDim=" + keep;
                check("sum " + w, one(t -> t.sum(axes, keep)), x);
                check("mean " + w, one(t -> t.mean(axes, keep)), x);
                check("max " + w, one(t -> t.max(axes, keep)), x);
                check("min " + w, one(t -> t.min(axes, keep)), x);
                check("variance biased " + w, one(t -> t.variance(axes, false, keep)), x);
                check("variance unbiased " + w, one(t -> t.variance(axes, true, keep)), x);
                check("L1 " + w, one(t -> t.norm(1, axes, keep)), x);
                check("L2 " + w, one(t -> t.norm(2, axes, keep)), x);
                check("Linf " + w, one(t -> t.norm(Double.POSITIVE_INFINITY, axes, keep)), x);
            }
        check("sum()", one(Tensor::sum), x);
        check("mean()", one(Tensor::mean), x);
        check("sum of a permuted view", one(t -> t.permute(2, 0, 1).sum(new int[]{0}, false)), x);
        check("max of a stepped slice", one(t -> t.slice(2, 0, 4, 3).max(new int[]{1}, false)), x);
        check("sum of a scalar", one(Tensor::sum), new Nd(new int[0], new double[]{2}));
    }

    // ---- matmul ------------------------------------------------------------------------------

    @Test
    void matmulInEveryShapeCombination() {
        int[][][] cases = {
                {{3}, {3}}, {{2, 3}, {3}}, {{3}, {3, 4}}, {{2, 3}, {3, 4}}, {{2, 1, 3, 4}, {5, 4, 6}},
                {{4}, {2, 4, 5}}, {{2, 3, 4}, {4}}, {{3, 4}, {2, 4, 5}}, {{2, 3, 4}, {4, 2}}, {{1, 1}, {1, 1}}};
        for (int[][] c : cases)
            check("matmul " + java.util.Arrays.toString(c[0]) + " @ " + java.util.Arrays.toString(c[1]), two(Tensor::matmul),
                    Nd.random(12, c[0]), Nd.random(13, c[1]));
    }

    @Test
    void matmulOfTransposedAndExpandedOperands() {
        Nd a = Nd.random(14, 4, 3), b = Nd.random(15, 5, 4);
        check("aᵀ @ bᵀ", two((x, y) -> x.transpose(0, 1).matmul(y.transpose(0, 1))), a, b);
        check("b @ a", two((x, y) -> y.matmul(x)), a, b);
        check("aᵀ @ (b @ a)ᵀᵀ", two((x, y) -> x.transpose(0, 1).matmul(y.transpose(0, 1).transpose(0, 1).transpose(0, 1))), a, b);
        check("expanded row @ b", two((x, y) -> x.expand(3, 4).matmul(y.transpose(0, 1))), Nd.random(16, 1, 4), b);
        check("batched transposes", two((x, y) -> x.transpose(1, 2).matmul(y)), Nd.random(17, 2, 3, 4), Nd.random(18, 2, 3, 5));
    }

    // ---- views -------------------------------------------------------------------------------

    @Test
    void views() {
        Nd x = Nd.random(19, 2, 3, 4);
        check("reshape", one(t -> t.reshape(4, -1)), x);
        check("reshape of a transpose", one(t -> t.transpose(0, 2).reshape(-1)), x);
        check("permute", one(t -> t.permute(2, 0, 1)), x);
        check("transpose", one(t -> t.transpose(-1, 0)), x);
        check("slice with step", one(t -> t.slice(2, 1, 4, 2)), x);
        check("slice of slice", one(t -> t.slice(2, 0, 4, 2).slice(1, 1, 3, 1)), x);
        check("narrow", one(t -> t.narrow(1, 1, 2)), x);
        check("select", one(t -> t.select(1, 2)), x);
        check("expand", one(t -> t.expand(5, 3, 2)), Nd.random(20, 3, 1));
        check("broadcastTo", one(t -> t.broadcastTo(Shape.of(2, 3, 4))), Nd.random(21, 3, 4));
        check("squeeze/unsqueeze", one(t -> t.unsqueeze(1).mul(t.unsqueeze(1)).squeeze(1)), x);
        check("flatten", one(t -> t.flatten(1)), x);
        check("contiguous", one(t -> t.transpose(0, 1).contiguous()), x);
        check("copy", one(Tensor::copy), x);
        check("alias reshape", one(t -> t.reshape(2, 3, 4)), x);
        check("split", one(t -> {
            List<Tensor> p = t.split(2, 1, 3);
            return p.get(0).mul(p.get(1).sum(new int[]{2}, true));
        }), x);
        check("chunk", one(t -> {
            List<Tensor> p = t.chunk(2, 2);
            return p.get(0).sub(p.get(1).square());
        }), x);
    }

    @Test
    void concatAndStack() {
        Nd a = Nd.random(22, 2, 3), b = Nd.random(23, 2, 1), c = Nd.random(24, 2, 2);
        check("concat", ts -> Tensor.concat(ts, 1), a, b, c);
        check("concat of strided parts", ts -> Tensor.concat(List.of(ts.get(0).transpose(0, 1), ts.get(1).transpose(0, 1)), 0), a, b);
        check("concat with a part reused", ts -> Tensor.concat(List.of(ts.get(0), ts.get(0).exp()), -1), a);
        check("stack", ts -> Tensor.stack(ts, 1), a, Nd.random(25, 2, 3));
    }

    @Test
    void softmaxAndLogSoftmaxAlongEveryAxis() {
        Nd x = Nd.random(26, 2, 3, 4);
        for (int axis = -3; axis < 3; axis++) {
            int ax = axis;
            check("softmax axis " + axis, one(t -> t.softmax(ax)), x);
            check("logSoftmax axis " + axis, one(t -> t.logSoftmax(ax)), x);
        }
        check("softmax of a transposed view", one(t -> t.transpose(0, 2).softmax(1)), x);
        check("logSoftmax of a stepped slice", one(t -> t.slice(2, 0, 4, 2).logSoftmax(-1)), x);
        check("softmax of a scalar", one(t -> t.softmax(0)), new Nd(new int[0], new double[]{0.4}));
    }

    @Test
    void softmaxValues() {
        Nd x = Nd.random(27, 2, 3, 4);
        for (DType dt : TensorAsserts.FLOATS)
            for (int axis = 0; axis < 3; axis++) {
                TensorAsserts.assertClose("softmax " + axis, x.softmax(axis).as(dt), x.tensor(dt).softmax(axis), dt == DType.FLOAT32 ? 3e-7 : 1e-14, 0);
                TensorAsserts.assertClose("logSoftmax " + axis, x.logSoftmax(axis).as(dt), TensorAsserts.permutedView(x, dt).logSoftmax(axis),
                        dt == DType.FLOAT32 ? 3e-7 : 1e-14, 1e-15);
            }
        assertEquals(1, Tensor.scalar(5, DType.FLOAT64).softmax(0).item());
        assertEquals(0, Tensor.scalar(5, DType.FLOAT64).logSoftmax(-1).item());
        assertArrayEquals(new double[]{0.5, 0.5}, Tensor.fromArray(new double[]{1000, 1000}, 2).softmax(0).toDoubleArray(), "no overflow");
        assertEquals(Shape.of(0, 3), Tensor.zeros(0, 3).softmax(1).shape());
        assertEquals("softmax: needs a floating-point tensor, got [2] int64",
                assertThrows(IllegalArgumentException.class, () -> Tensor.arange(2).softmax(0)).getMessage());
        assertEquals("softmax: axis 2 is out of range for shape [2, 3] (rank 2)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).softmax(2)).getMessage());
    }

    // ---- tape bookkeeping --------------------------------------------------------------------

    @Test
    void gradientsAccumulateOverBackwardCallsUntilZeroGrad() {
        Tensor x = Tensor.fromArray(new double[]{1, 2}, 2).requiresGrad(true);
        assertNull(x.grad());
        x.mul(2).sum().backward();
        assertArrayEquals(new double[]{2, 2}, x.grad().toDoubleArray());
        x.mul(x).sum().backward();
        assertArrayEquals(new double[]{4, 6}, x.grad().toDoubleArray());
        x.zeroGrad();
        assertNull(x.grad());
        x.mul(3).sum().backward();
        assertArrayEquals(new double[]{3, 3}, x.grad().toDoubleArray());
    }

    @Test
    void gradientsSurviveTheScopeOfTheirBackwardPass() {
        Tensor x = Tensor.fromArray(new double[]{1, 2}, 2).requiresGrad(true);
        try (MemoryScope scope = MemoryScope.open()) {
            x.exp().sum().backward();
        }
        assertArrayEquals(new double[]{Math.exp(1), Math.exp(2)}, x.grad().toDoubleArray());
    }

    @Test
    void float32GradientsStayFloat32() {
        Tensor x = Tensor.fromArray(new float[]{1, -2, 3}, 3).requiresGrad(true);
        x.square().sum().backward();
        assertEquals(DType.FLOAT32, x.grad().dtype());
        assertArrayEquals(new float[]{2, -4, 6}, x.grad().toFloatArray());
    }

    @Test
    void dtypeConversionsPassGradientsBackInTheSourceDType() {
        Tensor x = Tensor.fromArray(new double[]{0.5, -1.5}, 2).requiresGrad(true);
        x.to(DType.FLOAT32).square().to(DType.FLOAT64).sum().backward();
        assertEquals(DType.FLOAT64, x.grad().dtype());
        assertArrayEquals(new double[]{1, -3}, x.grad().toDoubleArray());
    }

    @Test
    void noGradRecordsNothing() {
        Tensor x = Tensor.fromArray(new double[]{1, 2}, 2).requiresGrad(true);
        Tensor y;
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            assertFalse(Autograd.isGradEnabled());
            y = x.mul(2).exp();
            try (Autograd.NoGrad nested = Autograd.noGrad()) {
                assertFalse(Autograd.isGradEnabled());
            }
            assertFalse(Autograd.isGradEnabled(), "nested noGrad restores the outer one");
        }
        assertTrue(Autograd.isGradEnabled());
        assertFalse(y.requiresGrad());
        assertTrue(y.isLeaf());
        assertEquals("backward: tensor [] does not require grad (no input had requiresGrad(true))",
                assertThrows(IllegalStateException.class, () -> y.sum().backward()).getMessage());
    }

    @Test
    void detachCutsTheGraphButSharesTheValues() {
        Tensor x = Tensor.fromArray(new double[]{1, 2}, 2).requiresGrad(true);
        Tensor y = x.mul(3);
        Tensor d = y.detach();
        assertFalse(d.requiresGrad());
        assertTrue(d.isLeaf());
        assertArrayEquals(new double[]{3, 6}, d.toDoubleArray());
        d.mul(x).sum().backward();
        assertArrayEquals(new double[]{3, 6}, x.grad().toDoubleArray(), "only the direct path: d is a constant");
        y.close();
        assertThrows(IllegalStateException.class, y::detach, "detaching a freed tensor is a use after close");
    }

    @Test
    void comparisonsAndIntegerResultsDoNotRequireGrad() {
        Tensor x = Tensor.fromArray(new double[]{1, -2}, 2).requiresGrad(true);
        assertFalse(x.gt(0).requiresGrad());
        assertFalse(x.eq(x).requiresGrad());
        assertFalse(x.argmax(0, false).requiresGrad());
        assertFalse(x.to(DType.INT32).requiresGrad());
        assertTrue(x.to(DType.FLOAT32).requiresGrad());
    }

    @Test
    void backwardErrors() {
        Tensor x = Tensor.fromArray(new double[]{1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        Tensor y = x.mul(2);
        assertEquals("backward: implicit gradient needs a one-element tensor, got [2, 3]; pass the upstream gradient with backward(gradient)",
                assertThrows(IllegalArgumentException.class, y::backward).getMessage());
        assertEquals("backward: gradient must have shape [2, 3], got [3]",
                assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.ones(Shape.of(3), DType.FLOAT64))).getMessage());
        assertEquals("backward: dtypes differ: [2, 3] float64 vs [2, 3] float32 (convert one with .to(DType))",
                assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.ones(2, 3))).getMessage());
        assertEquals("requiresGrad: only floating-point tensors have gradients, got INT32",
                assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new int[]{1}, 1).requiresGrad(true)).getMessage());
        assertEquals("requiresGrad: cannot turn off on a non-leaf tensor [2, 3] (use detach())",
                assertThrows(IllegalArgumentException.class, () -> y.requiresGrad(false)).getMessage());
        assertEquals("setGrad: gradient [3] does not match tensor [2, 3]",
                assertThrows(IllegalArgumentException.class, () -> x.setGrad(Tensor.zeros(3))).getMessage());
    }

    @Test
    void backwardWithAnExplicitGradient() {
        Tensor x = Tensor.fromArray(new double[]{1, 2, 3}, 3).requiresGrad(true);
        x.square().backward(Tensor.fromArray(new double[]{1, 10, 100}, 3));
        assertArrayEquals(new double[]{2, 40, 600}, x.grad().toDoubleArray());
        Tensor leaf = Tensor.fromArray(new double[]{5}, 1).requiresGrad(true);
        leaf.backward();
        assertArrayEquals(new double[]{1}, leaf.grad().toDoubleArray(), "a leaf is its own root");
    }

    @Test
    void retainGraphAllowsASecondPassAndAFreedGraphSaysSo() {
        Tensor x = Tensor.fromArray(new double[]{1, 2}, 2).requiresGrad(true);
        Tensor y = x.mul(x);
        Tensor g = Tensor.ones(Shape.of(2), DType.FLOAT64);
        y.backward(g, true);
        y.backward(g, true);
        assertArrayEquals(new double[]{4, 8}, x.grad().toDoubleArray(), "two passes, two contributions");
        y.backward(g);
        assertArrayEquals(new double[]{6, 12}, x.grad().toDoubleArray());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.backward(g));
        assertEquals("backward: the graph through 'mul' was already freed by an earlier backward(); pass retainGraph=true to the first call to go through it twice",
                e.getMessage());
        // Ops on a freed output also lead into the freed graph.
        Tensor z = y.add(1);
        assertThrows(IllegalStateException.class, () -> z.backward(g));
    }

    @Test
    void diamondGraphsSumBothPaths() {
        Tensor x = Tensor.fromArray(new double[]{0.5, -1}, 2).requiresGrad(true);
        Tensor h = x.exp();
        Tensor y = h.mul(h.square());
        y.sum().backward();
        // y = e^x · (e^x)² = e^(3x), dy/dx = 3e^(3x).
        assertArrayEquals(new double[]{3 * Math.exp(1.5), 3 * Math.exp(-3)}, x.grad().toDoubleArray(), 1e-12);
    }
}
