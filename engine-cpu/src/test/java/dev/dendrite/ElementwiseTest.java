package dev.dendrite;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;

import static dev.dendrite.TensorAsserts.ALL;
import static dev.dendrite.TensorAsserts.FLOATS;
import static dev.dendrite.TensorAsserts.assertClose;
import static dev.dendrite.TensorAsserts.assertExact;
import static dev.dendrite.TensorAsserts.permutedView;
import static dev.dendrite.TensorAsserts.steppedView;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unary, binary and scalar elementwise ops against textbook formulas, with broadcasting and strided operands. */
class ElementwiseTest {

    // ---- a high-precision erf for the GELU oracle ------------------------------------------------

    private static final MathContext MC = new MathContext(60);
    private static final BigDecimal PI = new BigDecimal("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899");
    private static final BigDecimal TWO_OVER_SQRT_PI = BigDecimal.valueOf(2).divide(PI.sqrt(MC), MC);
    private static final BigDecimal SQRT2 = BigDecimal.valueOf(2).sqrt(MC);

    /** erf(z) = 2/√π · Σ (−1)ⁿ z^(2n+1) / (n!·(2n+1)), summed in 60-digit decimal arithmetic. */
    static BigDecimal erf(BigDecimal z) {
        BigDecimal z2 = z.multiply(z, MC);
        BigDecimal power = z; // (−1)ⁿ z^(2n+1) / n!
        BigDecimal sum = z;
        BigDecimal eps = new BigDecimal("1e-50");
        for (int n = 1; n < 2000; n++) {
            power = power.multiply(z2, MC).divide(BigDecimal.valueOf(-n), MC);
            BigDecimal term = power.divide(BigDecimal.valueOf(2L * n + 1), MC);
            sum = sum.add(term, MC);
            if (n > z2.doubleValue() && term.abs().compareTo(eps) < 0) break;
        }
        return sum.multiply(TWO_OVER_SQRT_PI, MC);
    }

    /** GELU x·Φ(x) with Φ(x) = (1 + erf(x/√2))/2, correctly rounded to double for |x| ≲ 9. */
    static double geluExact(double x) {
        BigDecimal bx = new BigDecimal(x);
        BigDecimal phi = BigDecimal.ONE.add(erf(bx.divide(SQRT2, MC)), MC).divide(BigDecimal.valueOf(2), MC);
        return bx.multiply(phi, MC).doubleValue();
    }

    @Test
    void highPrecisionErfKnowsItsValues() {
        // erf(1) = 0.8427007929497148693412206350826..., erf(0.5) = 0.5204998778130465376827466538919...
        assertEquals(0.8427007929497149, erf(BigDecimal.ONE).doubleValue(), 0);
        assertEquals(0.5204998778130465, erf(new BigDecimal("0.5")).doubleValue(), 0);
        assertEquals(-0.8427007929497149, erf(BigDecimal.ONE.negate()).doubleValue(), 0);
        assertEquals(0.0, geluExact(0), 0);
    }

    // ---- unary -------------------------------------------------------------------------------

    record Unary(String name, Function<Tensor, Tensor> op, DoubleUnaryOperator oracle, DoubleUnaryOperator domain, boolean integral) {
    }

    private static final DoubleUnaryOperator ANY = x -> x;
    private static final DoubleUnaryOperator POSITIVE = x -> (float) (Math.abs(x) + 0.125);
    private static final DoubleUnaryOperator NONZERO = x -> (float) (x >= 0 ? x + 0.125 : x - 0.125);

    static final List<Unary> UNARY = List.of(
            new Unary("neg", Tensor::neg, x -> -x, ANY, true),
            new Unary("abs", Tensor::abs, x -> x < 0 ? -x : x, ANY, true),
            new Unary("exp", Tensor::exp, Math::exp, ANY, false),
            new Unary("log", Tensor::log, Math::log, POSITIVE, false),
            new Unary("sqrt", Tensor::sqrt, Math::sqrt, POSITIVE, false),
            new Unary("rsqrt", Tensor::rsqrt, x -> 1 / Math.sqrt(x), POSITIVE, false),
            new Unary("square", Tensor::square, x -> x * x, ANY, true),
            new Unary("reciprocal", Tensor::reciprocal, x -> 1 / x, NONZERO, false),
            new Unary("relu", Tensor::relu, x -> x > 0 ? x : 0, ANY, true),
            new Unary("leakyRelu(0.1)", t -> t.leakyRelu(0.1), x -> x > 0 ? x : 0.1 * x, ANY, false),
            new Unary("leakyRelu(0.3)", t -> t.leakyRelu(0.3), x -> x > 0 ? x : 0.3 * x, ANY, false),
            new Unary("sigmoid", Tensor::sigmoid, x -> 1 / (1 + Math.exp(-x)), ANY, false),
            new Unary("tanh", Tensor::tanh, x -> Math.expm1(2 * x) / (Math.expm1(2 * x) + 2), ANY, false),
            new Unary("elu(1)", t -> t.elu(1), x -> x > 0 ? x : Math.expm1(x), ANY, false),
            new Unary("elu(0.7)", t -> t.elu(0.7), x -> x > 0 ? x : 0.7 * Math.expm1(x), ANY, false),
            new Unary("gelu", Tensor::gelu, ElementwiseTest::geluExact, ANY, false),
            new Unary("softplus", Tensor::softplus, x -> Math.log1p(Math.exp(x)), ANY, false),
            new Unary("sign", Tensor::sign, x -> x > 0 ? 1 : x < 0 ? -1 : 0, ANY, true),
            new Unary("clamp(-0.5,0.75)", t -> t.clamp(-0.5, 0.75), x -> x < -0.5 ? -0.5 : x > 0.75 ? 0.75 : x, ANY, false),
            new Unary("clamp(-1,1)", t -> t.clamp(-1, 1), x -> x < -1 ? -1 : x > 1 ? 1 : x, ANY, true));

    private static double unaryRtol(DType dt) {
        // Transcendental functions: the backend's and the oracle's formulas may differ by a few ulps in double.
        return dt == DType.FLOAT32 ? 1.2e-7 : 4e-15;
    }

    @Test
    void everyUnaryOpOnEveryLayoutAndShape() {
        int[][] shapes = {{2, 3, 4}, {}, {7}, {0, 3}, {3, 1, 5}};
        for (Unary u : UNARY)
            for (DType dt : FLOATS)
                for (int[] shape : shapes) {
                    Nd x = Nd.random(11, shape).map(u.domain()).as(dt);
                    Nd expected = x.map(u.oracle());
                    for (Tensor t : List.of(x.tensor(dt), permutedView(x, dt), steppedView(x, dt))) {
                        Tensor y = u.op().apply(t);
                        assertEquals(dt, y.dtype());
                        assertTrue(y.isContiguous());
                        assertClose(u.name() + " of " + TensorAsserts.describe(t), expected, y, unaryRtol(dt), 0);
                    }
                }
    }

    @Test
    void integerUnaryOps() {
        Nd x = Nd.randomInts(3, -6, 6, 3, 5);
        for (Unary u : UNARY) {
            if (!u.integral()) continue;
            for (DType dt : new DType[]{DType.INT32, DType.INT64})
                for (Tensor t : List.of(x.tensor(dt), permutedView(x, dt), steppedView(x, dt)))
                    assertExact(u.name() + " of " + TensorAsserts.describe(t), x.map(u.oracle()), u.op().apply(t));
        }
        // Clamp bounds that are not integers round inwards.
        assertArrayEquals(new int[]{0, 0, 0, 1, 1}, Tensor.fromArray(new int[]{-2, -1, 0, 1, 2}, 5).clamp(-0.5, 1.5).toIntArray());
    }

    @Test
    void floatOnlyUnaryOpsRejectIntegers() {
        Tensor i = Tensor.fromArray(new int[]{1, 2, 3}, 3);
        assertEquals("exp: needs a floating-point tensor, got [3] int32",
                assertThrows(IllegalArgumentException.class, i::exp).getMessage());
        assertEquals("leakyRelu: needs a floating-point tensor, got [3] int32",
                assertThrows(IllegalArgumentException.class, () -> i.leakyRelu(0.1)).getMessage());
        assertEquals("clamp: min 2.0 > max 1.0",
                assertThrows(IllegalArgumentException.class, () -> i.clamp(2, 1)).getMessage());
    }

    @Test
    void geluMatchesTheExactFormIncludingTheTails() {
        double[] xs = {-8, -6, -5, -3.5, -2.9, -2, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2, 3, 5, 8};
        double[] got = Tensor.fromArray(xs, xs.length).gelu().toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            double want = geluExact(xs[i]);
            assertEquals(want, got[i], 1e-13 * Math.abs(want), "gelu(" + xs[i] + ")");
        }
        float[] gotF = Tensor.fromArray(toFloat(xs), xs.length).gelu().toFloatArray();
        for (int i = 0; i < xs.length; i++) assertEquals((float) geluExact((float) xs[i]), gotF[i], "gelu(" + (float) xs[i] + ") float32");
    }

    @Test
    void numericallyDelicateUnaryValues() {
        double[] xs = {-800, -40, 40, 800};
        assertArrayEquals(new double[]{0, Math.exp(-40) / (1 + Math.exp(-40)), 1 / (1 + Math.exp(-40)), 1},
                Tensor.fromArray(xs, 4).sigmoid().toDoubleArray(), 1e-300);
        assertArrayEquals(new double[]{0, Math.exp(-40), 40, 800}, Tensor.fromArray(xs, 4).softplus().toDoubleArray(), 1e-30);
        double[] special = Tensor.fromArray(new double[]{Double.NaN, 0, -0.0}, 3).relu().toDoubleArray();
        assertTrue(Double.isNaN(special[0]), "relu(NaN) is NaN");
        assertEquals(0, special[1]);
        assertTrue(Double.isNaN(Tensor.fromArray(new double[]{Double.NaN}, 1).clamp(-1, 1).item()), "clamp keeps NaN");
        assertEquals(Double.POSITIVE_INFINITY, Tensor.fromArray(new double[]{0}, 1).reciprocal().item());
        assertEquals(Double.NEGATIVE_INFINITY, Tensor.fromArray(new double[]{0}, 1).log().item());
        assertTrue(Double.isNaN(Tensor.fromArray(new double[]{-1}, 1).sqrt().item()));
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    // ---- binary ------------------------------------------------------------------------------

    record Binary(String name, java.util.function.BinaryOperator<Tensor> op, DoubleBinaryOperator oracle, boolean integral) {
    }

    static final List<Binary> BINARY = List.of(
            new Binary("add", Tensor::add, Double::sum, true),
            new Binary("sub", Tensor::sub, (a, b) -> a - b, true),
            new Binary("mul", Tensor::mul, (a, b) -> a * b, true),
            new Binary("div", Tensor::div, (a, b) -> a / b, true),
            new Binary("pow", Tensor::pow, Math::pow, false),
            new Binary("maximum", Tensor::maximum, (a, b) -> a >= b ? a : b, true),
            new Binary("minimum", Tensor::minimum, (a, b) -> a <= b ? a : b, true),
            new Binary("eq", Tensor::eq, (a, b) -> a == b ? 1 : 0, true),
            new Binary("ne", Tensor::ne, (a, b) -> a != b ? 1 : 0, true),
            new Binary("lt", Tensor::lt, (a, b) -> a < b ? 1 : 0, true),
            new Binary("le", Tensor::le, (a, b) -> a <= b ? 1 : 0, true),
            new Binary("gt", Tensor::gt, (a, b) -> a > b ? 1 : 0, true),
            new Binary("ge", Tensor::ge, (a, b) -> a >= b ? 1 : 0, true));

    private static final int[][][] BROADCAST_PAIRS = {
            {{2, 3, 4}, {2, 3, 4}}, {{}, {2, 3, 4}}, {{2, 3, 4}, {}}, {{3, 1}, {1, 4}}, {{2, 3}, {3}},
            {{4, 1, 3}, {2, 1}}, {{0, 3}, {1, 3}}, {{2, 0}, {2, 1}}, {{}, {}}, {{5}, {1}}};

    /** Operands with ties (for comparisons) and a divisor that is never zero; pow gets a positive base. */
    private static Nd[] operands(Binary b, DType dt, int[] sa, int[] sb) {
        Nd a = Nd.randomInts(21, -3, 3, sa), c = Nd.randomInts(22, -3, 3, sb);
        if (dt.isFloatingPoint()) {
            a = a.map(x -> x / 2);
            c = c.map(x -> x / 2);
        }
        if (b.name().equals("div")) c = c.map(x -> x >= 0 ? x + 1 : x);
        if (b.name().equals("pow")) a = a.map(x -> Math.abs(x) + 0.5);
        return new Nd[]{a, c};
    }

    @Test
    void everyBinaryOpWithBroadcastingAndStridedOperands() {
        for (Binary b : BINARY)
            for (DType dt : ALL) {
                if (!dt.isFloatingPoint() && !b.integral()) continue;
                DoubleBinaryOperator oracle = !dt.isFloatingPoint() && b.name().equals("div")
                        ? (x, y) -> (double) ((long) x / (long) y) : b.oracle();
                for (int[][] pair : BROADCAST_PAIRS) {
                    Nd[] ops = operands(b, dt, pair[0], pair[1]);
                    Nd expected = Nd.zip(ops[0], ops[1], oracle).as(dt);
                    List<Tensor[]> layouts = List.of(
                            new Tensor[]{ops[0].tensor(dt), ops[1].tensor(dt)},
                            new Tensor[]{permutedView(ops[0], dt), steppedView(ops[1], dt)},
                            new Tensor[]{steppedView(ops[0], dt), permutedView(ops[1], dt)});
                    for (Tensor[] in : layouts) {
                        Tensor y = b.op().apply(in[0], in[1]);
                        assertEquals(dt, y.dtype());
                        assertClose(b.name() + " of " + TensorAsserts.describe(in[0]) + " and " + TensorAsserts.describe(in[1]),
                                expected, y, TensorAsserts.rtol(dt), 0);
                    }
                }
            }
    }

    @Test
    void comparisonsYieldOneOrZeroInTheOperandDType() {
        Tensor a = Tensor.fromArray(new double[]{1, 2, 3}, 3), b = Tensor.fromArray(new double[]{2, 2, 2}, 3);
        assertArrayEquals(new double[]{0, 1, 0}, a.eq(b).toDoubleArray());
        assertArrayEquals(new double[]{1, 0, 1}, a.ne(b).toDoubleArray());
        assertArrayEquals(new double[]{1, 0, 0}, a.lt(b).toDoubleArray());
        assertArrayEquals(new double[]{1, 1, 0}, a.le(b).toDoubleArray());
        assertArrayEquals(new double[]{0, 0, 1}, a.gt(b).toDoubleArray());
        assertArrayEquals(new double[]{0, 1, 1}, a.ge(b).toDoubleArray());
        assertArrayEquals(new double[]{0, 1, 1}, a.ge(2).toDoubleArray());
        assertEquals(DType.FLOAT64, a.eq(b).dtype());
        Tensor nan = Tensor.fromArray(new double[]{Double.NaN}, 1);
        assertEquals(0, nan.eq(nan).item(), "NaN equals nothing");
        assertEquals(1, nan.ne(nan).item());
        assertArrayEquals(new long[]{1, 0}, Tensor.fromArray(new long[]{5, 6}, 2).lt(6).toLongArray());
    }

    @Test
    void floatDivisionFollowsIeeeAndMaxMinPropagateNaN() {
        Tensor a = Tensor.fromArray(new double[]{1, -1, 0}, 3);
        double[] q = a.div(Tensor.zeros(Shape.of(3), DType.FLOAT64)).toDoubleArray();
        assertEquals(Double.POSITIVE_INFINITY, q[0]);
        assertEquals(Double.NEGATIVE_INFINITY, q[1]);
        assertTrue(Double.isNaN(q[2]));
        Tensor nan = Tensor.fromArray(new float[]{Float.NaN, 1}, 2);
        Tensor one = Tensor.fromArray(new float[]{1, Float.NaN}, 2);
        for (double v : nan.maximum(one).toDoubleArray()) assertTrue(Double.isNaN(v));
        for (double v : nan.minimum(one).toDoubleArray()) assertTrue(Double.isNaN(v));
        assertTrue(Double.isNaN(nan.maximum(0).toDoubleArray()[0]));
    }

    @Test
    void integerDivisionTruncatesAndRejectsZero() {
        Tensor a = Tensor.fromArray(new int[]{7, -7, 7, -7}, 4), b = Tensor.fromArray(new int[]{2, 2, -2, -2}, 4);
        assertArrayEquals(new int[]{3, -3, -3, 3}, a.div(b).toIntArray());
        assertArrayEquals(new int[]{3, -3, 3, -3}, a.div(2).toIntArray());
        assertArrayEquals(new int[]{2, -2, 2, -2}, a.rdiv(14).toIntArray());
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> a.div(Tensor.fromArray(new int[]{1, 0, 1, 1}, 4)));
        assertEquals("div: integer division by zero", e.getMessage());
        assertEquals("div: integer division by zero",
                assertThrows(ArithmeticException.class, () -> Tensor.arange(3).div(0)).getMessage());
        assertEquals("div: integer division by zero",
                assertThrows(ArithmeticException.class, () -> Tensor.arange(3).rdiv(5)).getMessage());
        // Large enough to run on several threads: the message must survive the hand-off.
        Tensor big = Tensor.ones(Shape.of(200_000), DType.INT64);
        assertEquals("div: integer division by zero",
                assertThrows(ArithmeticException.class, () -> big.div(Tensor.zeros(Shape.of(200_000), DType.INT64))).getMessage());
    }

    @Test
    void binaryErrorsNameOpShapesAndDTypes() {
        Tensor f = Tensor.zeros(2), d = Tensor.zeros(Shape.of(2), DType.FLOAT64);
        assertEquals("add: dtypes differ: [2] float32 vs [2] float64 (convert one with .to(DType))",
                assertThrows(IllegalArgumentException.class, () -> f.add(d)).getMessage());
        assertEquals("mul: shapes [2, 3] and [4] cannot be broadcast: dimension -1 is 3 vs 4 (sizes must match or one must be 1)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).mul(Tensor.zeros(4))).getMessage());
        Tensor i = Tensor.fromArray(new int[]{1, 2}, 2);
        assertEquals("pow: needs a floating-point tensor, got [2] int32",
                assertThrows(IllegalArgumentException.class, () -> i.pow(i)).getMessage());
        assertEquals("pow: needs a floating-point tensor, got [2] int32",
                assertThrows(IllegalArgumentException.class, () -> i.pow(2)).getMessage());
        assertEquals("add: scalar 2.5 is not an integer, tensor is INT32",
                assertThrows(IllegalArgumentException.class, () -> i.add(2.5)).getMessage());
    }

    @Test
    void largeStridedOperandsCrossThreadAndSegmentBoundaries() {
        // [40, 30, 50] permuted: 1200 rows of 50, split over threads mid-odometer.
        // [5, 9000] stepped: rows longer than one 4096-element segment.
        for (int[] shape : new int[][]{{40, 30, 50}, {5, 9000}}) {
            Nd a = Nd.random(61, shape), b = Nd.random(62, shape);
            int[] lastOnly = {shape[shape.length - 1]};
            Nd c = Nd.random(63, lastOnly);
            for (DType dt : FLOATS) {
                Tensor ta = permutedView(a, dt), tb = steppedView(b, dt), tc = steppedView(c, dt);
                assertClose("add " + TensorAsserts.describe(ta), Nd.zip(a, b, Double::sum).as(dt), ta.add(tb));
                assertClose("mul by a broadcast row", Nd.zip(a, c, (x, y) -> x * y).as(dt), ta.mul(tc));
                assertClose("exp of a stepped view", b.map(Math::exp).as(dt), tb.exp(), unaryRtol(dt), 0);
                assertClose("contiguous copy", a.as(dt), ta.contiguous());
                assertClose("gt of strided", Nd.zip(a, b, (x, y) -> x > y ? 1 : 0), ta.gt(tb));
            }
        }
    }

    // ---- scalar forms ------------------------------------------------------------------------

    record ScalarOp(String name, java.util.function.BiFunction<Tensor, Double, Tensor> op, DoubleBinaryOperator oracle, boolean integral) {
    }

    static final List<ScalarOp> SCALAR = List.of(
            new ScalarOp("add", Tensor::add, (x, s) -> x + s, true),
            new ScalarOp("sub", Tensor::sub, (x, s) -> x - s, true),
            new ScalarOp("rsub", Tensor::rsub, (x, s) -> s - x, true),
            new ScalarOp("mul", Tensor::mul, (x, s) -> x * s, true),
            new ScalarOp("div", Tensor::div, (x, s) -> x / s, true),
            new ScalarOp("rdiv", Tensor::rdiv, (x, s) -> s / x, true),
            new ScalarOp("pow", Tensor::pow, Math::pow, false),
            new ScalarOp("maximum", Tensor::maximum, (x, s) -> x >= s ? x : s, true),
            new ScalarOp("minimum", Tensor::minimum, (x, s) -> x <= s ? x : s, true),
            new ScalarOp("eq", Tensor::eq, (x, s) -> x == s ? 1 : 0, true),
            new ScalarOp("ne", Tensor::ne, (x, s) -> x != s ? 1 : 0, true),
            new ScalarOp("lt", Tensor::lt, (x, s) -> x < s ? 1 : 0, true),
            new ScalarOp("le", Tensor::le, (x, s) -> x <= s ? 1 : 0, true),
            new ScalarOp("gt", Tensor::gt, (x, s) -> x > s ? 1 : 0, true),
            new ScalarOp("ge", Tensor::ge, (x, s) -> x >= s ? 1 : 0, true));

    @Test
    void scalarFormsOnEveryLayout() {
        for (ScalarOp s : SCALAR)
            for (DType dt : ALL) {
                if (!dt.isFloatingPoint() && !s.integral()) continue;
                boolean integral = !dt.isFloatingPoint();
                // Nonzero values, so that rdiv never divides by zero; ties with the scalar for the comparisons.
                Nd x = Nd.randomInts(31, -4, 4, 3, 4).map(v -> v >= 0 ? v + 1 : v);
                if (s.name().equals("pow")) x = x.map(Math::abs);
                double scalar = integral ? 2 : s.name().equals("pow") ? 1.5 : 2;
                DoubleBinaryOperator oracle = integral && s.name().equals("div") ? (v, c) -> (double) ((long) v / (long) c)
                        : integral && s.name().equals("rdiv") ? (v, c) -> (double) ((long) c / (long) v) : s.oracle();
                Nd xf = x;
                Nd expected = x.map(v -> oracle.applyAsDouble(v, scalar)).as(dt);
                for (Tensor t : List.of(xf.tensor(dt), permutedView(xf, dt), steppedView(xf, dt), xf.tensor(dt).expand(2, 3, 4).select(0, 1)))
                    assertClose(s.name() + "(" + scalar + ") of " + TensorAsserts.describe(t), expected, s.op().apply(t, scalar),
                            TensorAsserts.rtol(dt), 0);
            }
        assertEquals(-1.5, Tensor.scalar(3.5, DType.FLOAT64).rsub(2).item());
        assertEquals(0.25, Tensor.scalar(8, DType.FLOAT64).rdiv(2).item());
        assertEquals(Shape.of(0, 2), Tensor.zeros(0, 2).rdiv(1).shape());
    }

    // ---- in place ----------------------------------------------------------------------------

    @Test
    void inPlaceOpsWriteTheTargetAndBroadcastTheOperand() {
        Tensor t = Tensor.fromArray(new double[]{1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor row = Tensor.fromArray(new double[]{10, 20, 30}, 3);
        assertTrue(t.addInPlace(row) == t);
        assertArrayEquals(new double[]{11, 22, 33, 14, 25, 36}, t.toDoubleArray());
        t.subInPlace(Tensor.fromArray(new double[]{1, 2}, 2, 1));
        assertArrayEquals(new double[]{10, 21, 32, 12, 23, 34}, t.toDoubleArray());
        t.mulInPlace(Tensor.scalar(0.5, DType.FLOAT64));
        assertArrayEquals(new double[]{5, 10.5, 16, 6, 11.5, 17}, t.toDoubleArray());
        t.mulInPlace(2);
        t.addInPlace(row, -0.1);
        assertArrayEquals(new double[]{9, 19, 29, 11, 21, 31}, t.toDoubleArray(), 1e-12);
        t.copyFrom(Tensor.fromArray(new int[]{7, 8, 9}, 3).transpose(0, 0));
        assertArrayEquals(new double[]{7, 8, 9, 7, 8, 9}, t.toDoubleArray());
        t.fillInPlace(-1);
        assertArrayEquals(new double[]{-1, -1, -1, -1, -1, -1}, t.toDoubleArray());
        Tensor f = Tensor.zeros(2, 2);
        f.addInPlace(Tensor.fromArray(new float[]{1, 2, 3, 4}, 2, 2).transpose(0, 1));
        assertArrayEquals(new float[]{1, 3, 2, 4}, f.toFloatArray());
    }

    @Test
    void inPlaceErrors() {
        Tensor strided = Tensor.zeros(2, 3).transpose(0, 1);
        assertEquals("addInPlace: target [3, 2] must be contiguous",
                assertThrows(IllegalArgumentException.class, () -> strided.addInPlace(Tensor.zeros(3, 2))).getMessage());
        Tensor p = Tensor.zeros(Shape.of(2), DType.FLOAT64).requiresGrad(true);
        assertEquals("mulInPlace: in-place update of a tensor that requires grad; wrap it in Autograd.noGrad()",
                assertThrows(IllegalStateException.class, () -> p.mulInPlace(2)).getMessage());
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            p.addInPlace(Tensor.ones(Shape.of(2), DType.FLOAT64));
        }
        assertArrayEquals(new double[]{1, 1}, p.toDoubleArray());
        assertEquals("addInPlace: cannot expand [3] to [2]: dimension 0 has size 3 (only size-1 dimensions expand)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2).addInPlace(Tensor.zeros(3))).getMessage());
        assertEquals("copyFrom: cannot expand [3] to [2]: dimension 0 has size 3 (only size-1 dimensions expand)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2).copyFrom(Tensor.zeros(3))).getMessage());
    }

    @org.junit.jupiter.api.Test
    void geluOfInfinitiesIsFinite() {
        double[] y = Tensor.fromArray(new double[]{Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -40}, 3).gelu().toDoubleArray();
        org.junit.jupiter.api.Assertions.assertEquals(Double.POSITIVE_INFINITY, y[0], "gelu(+inf) = +inf, not NaN");
        // gelu(−∞) = −∞·Φ(−∞) is the limit 0; x·Φ(x) → 0⁻.
        org.junit.jupiter.api.Assertions.assertEquals(0.0, y[2], 0.0);
    }
}
