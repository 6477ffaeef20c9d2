package dev.dendrite.parity;

import dev.dendrite.DType;
import dev.dendrite.NN;
import dev.dendrite.Recurrent;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.ops.BatchNormParams;
import dev.dendrite.ops.BinaryOp;
import dev.dendrite.ops.Conv2dParams;
import dev.dendrite.ops.ConvTranspose2dParams;
import dev.dendrite.ops.CrossEntropyParams;
import dev.dendrite.ops.Pool2dParams;
import dev.dendrite.ops.PoolMode;
import dev.dendrite.ops.ReduceOp;
import dev.dendrite.ops.Reduction;
import dev.dendrite.ops.RnnMode;
import dev.dendrite.ops.RnnParams;
import dev.dendrite.ops.UnaryOp;
import dev.dendrite.ops.UpsampleMode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.dendrite.DType.FLOAT32;
import static dev.dendrite.DType.FLOAT64;
import static dev.dendrite.DType.INT32;
import static dev.dendrite.DType.INT64;

/**
 * The op catalog: every op of engine-api, each in the situations where backends tend to differ —
 * odd sizes, broadcasting, rank 0, zero-size tensors, non-contiguous views, non-square strides,
 * dilation with groups, depthwise convolution, padded variable-length and bidirectional recurrent
 * batches — with inputs, dtypes and tolerances. Ops are reached through the public API
 * ({@link Tensor}, {@link NN}, {@link Recurrent}) exactly as users reach them, so validation,
 * autograd rules and the backend primitives are all exercised. The coverage test in
 * integration-tests runs the catalog through a recording backend and fails when a primitive of
 * {@code spi.Backend} or a constant of an op enum is never reached.
 * <p>
 * Switches over op enums have no {@code default}: a new constant stops this file from compiling
 * until it has an entry.
 */
public final class OpCatalog {
    /** Fixed dropout key of the catalog (the random-number runner checks the masks bit for bit). */
    static final long DROPOUT_SEED = 0x5eed_d20bL, DROPOUT_STREAM = 7;

    /** Why the long-sum cases skip central differences (they exist for the rounding of long sums, which the other runners measure). */
    private static final String LONG_CASE = "a long sum, here for its rounding error; its gradient rule is the one the small cases check, and "
            + "2·n central-difference evaluations of an n-element input would cost seconds for nothing";

    private final List<OpCase> cases = new ArrayList<>();

    private OpCatalog() {
    }

    /** Every case, in a fixed order. */
    public static List<OpCase> all() {
        OpCatalog c = new OpCatalog();
        c.layoutAndCreation();
        c.unary();
        c.binary();
        c.binaryScalar();
        c.reductions();
        c.matmul();
        c.convolution();
        c.pooling();
        c.normalization();
        c.softmaxAndLosses();
        c.lookups();
        c.recurrent();
        return Collections.unmodifiableList(c.cases);
    }

    private void add(OpCase.Builder b) {
        cases.add(b.build());
    }

    private static OpCase.Builder of(String op, String name) {
        return OpCase.of(op, name);
    }

    /** Flattens and joins several outputs into one tensor, so one comparison covers all of them. */
    static Tensor joined(Tensor... parts) {
        List<Tensor> flat = new ArrayList<>();
        for (Tensor t : parts) if (t != null) flat.add(t.reshape(-1));
        return flat.size() == 1 ? flat.get(0) : Tensor.concat(flat, 0);
    }

    // ============================================================================================
    // Layout, conversion and creation: copy, fill, arange, rand, randn
    // ============================================================================================

    private void layoutAndCreation() {
        add(of("copy", "contiguous copy of a permuted [3,4,5]").in("x", Gen.normal(1), 3, 4, 5)
                .fn(a -> a.t(0).permute(2, 0, 1).contiguous()));
        add(of("copy", "broadcast copy: expand [3,1,4] to [2,3,5,4]").in("x", Gen.normal(1), 3, 1, 4)
                .fn(a -> a.t(0).expand(2, 3, 5, 4).contiguous()).tol(Tolerance.accumulation(10)));
        add(of("copy", "strided slice (step 3) of [7,9]").in("x", Gen.normal(1), 7, 9)
                .fn(a -> a.t(0).slice(1, 1, 9, 3).contiguous()));
        add(of("copy", "reshape of a transposed view (forces a copy)").in("x", Gen.normal(1), 4, 6)
                .fn(a -> a.t(0).transpose(0, 1).reshape(3, 8)));
        add(of("copy", "concat of 3 parts along axis 1, one of them empty").in("a", Gen.normal(1), 2, 3).in("b", Gen.normal(1), 2, 0)
                .in("c", Gen.normal(1), 2, 4).fn(a -> Tensor.concat(List.of(a.t(0), a.t(1), a.t(2)), 1)));
        add(of("copy", "stack of 2 along a new axis 0, rank-0 parts").in("a", Gen.normal(1)).in("b", Gen.normal(1))
                .fn(a -> Tensor.stack(List.of(a.t(0), a.t(1)), 0)));
        add(of("copy", "zero-size [0,5] transposed").in("x", Gen.normal(1), 0, 5).fn(a -> a.t(0).transpose(0, 1).contiguous()));
        add(of("convert", "float → float64 → float32 round trip of a transposed view").in("x", Gen.normal(3), 5, 4)
                .fn(a -> a.t(0).transpose(0, 1).to(a.dtype() == FLOAT32 ? FLOAT64 : FLOAT32).mul(1.5).to(a.dtype()))
                .noGradCheck("the float64 run rounds through float32, whose spacing (6e-8·|x|) is not small against the difference step "
                        + "(1e-6): central differences see the rounding, not the derivative"));
        add(of("convert", "float → INT64 truncates toward zero").in("x", Gen.uniform(-5, 5), 5, 7).noGrad()
                .fn(a -> a.t(0).to(INT64)).tol(Tolerance.exactPair("integer result")));
        add(of("convert", "INT32 → FLOAT64 and INT64 of a transposed view").ints("x", INT32, Gen.ints(-1000, 1000), 4, 6).dtypes(INT32)
                .fn(a -> a.t(0).transpose(0, 1).to(INT64).add(a.t(0).transpose(0, 1).to(FLOAT64).to(INT64))));
        add(of("convert", "INT64 → INT32").ints("x", INT64, Gen.ints(-100000, 100000), 9).dtypes(INT64).fn(a -> a.t(0).to(INT32)));

        for (int[] dims : new int[][]{{}, {0, 3}, {5, 7}}) {
            String shape = dims.length == 0 ? "rank 0" : java.util.Arrays.toString(dims).replace(" ", "");
            add(of("full", shape).fn(a -> Tensor.full(Shape.of(dims), 2.5, a.dtype(), a.device())));
        }
        add(of("full", "INT64 [4,3]").dtypes(INT64).fn(a -> Tensor.full(Shape.of(4, 3), -7, a.dtype(), a.device())));
        add(of("arange", "0 to 7 by 0.5").fn(a -> Tensor.arange(0, 7, 0.5, a.dtype(), a.device())));
        add(of("arange", "INT64 10 down to -5 by -3").dtypes(INT64).fn(a -> Tensor.arange(10, -5, -3, a.dtype(), a.device())));
        add(of("arange", "empty range").fn(a -> Tensor.arange(3, 3, 1, a.dtype(), a.device())));

        // FLOAT32 draws use 24 of the 32 Philox bits, FLOAT64 all 32 (Philox's class comment): the two differ by < 2⁻²⁴ of the range.
        Tolerance.Pair uniformTol = new Tolerance.Pair(new Tolerance(5 * 0x1p-24 * 2, 0,
                "float32 uniforms lie on a 2⁻²⁴ grid, float64 ones on 2⁻³² (Philox.uniformFloat/uniformDouble): ≤ 2⁻²⁴·range apart"),
                Tolerance.exact("the same fma(u, high − low, low) on every backend: bit-identical"));
        add(of("rand", "[5,7] in [-2,3), 64-bit seed and stream").tol(uniformTol)
                .fn(a -> Tensor.rand(Shape.of(5, 7), 0x7654_3210_fedc_ba98L, 0x1_0000_0003L, -2, 3, a.dtype(), a.device())));
        add(of("rand", "odd length 13 (partial Philox block)").tol(uniformTol)
                .fn(a -> Tensor.rand(Shape.of(13), 11, 2, 0, 1, a.dtype(), a.device())));
        add(of("randn", "[6,5] mean 1 std 2").tol(new Tolerance.Pair(new Tolerance(2e-5, 1e-5,
                        "float32 vs float64 uniforms differ by up to 2⁻²⁴ and Box–Muller's √(−2 ln u) amplifies that near u → 0"),
                        new Tolerance(1e-13, 1e-13, "Box–Muller through log/cos/sin: backends' float64 libm results differ by an ulp or two")))
                .fn(a -> Tensor.randn(Shape.of(6, 5), 5, 9, 1, 2, a.dtype(), a.device())));
    }

    // ============================================================================================
    // Elementwise
    // ============================================================================================

    /** The Tensor method for each unary op (exhaustive: a new op must be added here). */
    static Tensor unary(UnaryOp op, Tensor x) {
        return switch (op) {
            case NEG -> x.neg();
            case ABS -> x.abs();
            case EXP -> x.exp();
            case LOG -> x.log();
            case SQRT -> x.sqrt();
            case RSQRT -> x.rsqrt();
            case SQUARE -> x.square();
            case RECIPROCAL -> x.reciprocal();
            case RELU -> x.relu();
            case LEAKY_RELU -> x.leakyRelu(0.1);
            case SIGMOID -> x.sigmoid();
            case TANH -> x.tanh();
            case ELU -> x.elu(0.7);
            case GELU -> x.gelu();
            case SOFTPLUS -> x.softplus();
            case SIGN -> x.sign();
            case CLAMP -> x.dtype().isFloatingPoint() ? x.clamp(-0.5, 0.8) : x.clamp(-3, 4);
        };
    }

    /** Inputs inside each op's domain and off its kinks (a central difference must not straddle one). */
    private static Gen domain(UnaryOp op) {
        return switch (op) {
            case LOG, SQRT, RSQRT -> Gen.uniform(0.3, 2.5);
            case RECIPROCAL, ABS, SIGN, RELU, LEAKY_RELU, ELU -> Gen.awayFromZero(0.05, 2);
            case CLAMP -> Gen.uniformAvoiding(-1.5, 1.5, 0.02, -0.5, 0.8);
            case EXP, NEG, SQUARE, SIGMOID, TANH, GELU, SOFTPLUS -> Gen.normal(1.5);
        };
    }

    /** Whether the op accepts integer tensors (ShapeRules.unary). */
    private static boolean takesIntegers(UnaryOp op) {
        return switch (op) {
            case NEG, ABS, SIGN, SQUARE, RELU, CLAMP -> true;
            case EXP, LOG, SQRT, RSQRT, RECIPROCAL, LEAKY_RELU, SIGMOID, TANH, ELU, GELU, SOFTPLUS -> false;
        };
    }

    private void unary() {
        for (UnaryOp op : UnaryOp.values()) {
            String n = "unary." + op.opName();
            Gen g = domain(op);
            add(of(n, "odd sizes [7,13]").in("x", g, 7, 13).fn(a -> unary(op, a.t(0))));
            add(of(n, "rank 0").in("x", g).fn(a -> unary(op, a.t(0))));
            add(of(n, "zero-size [0,5]").in("x", g, 0, 5).fn(a -> unary(op, a.t(0))));
            add(of(n, "non-contiguous: transposed column slice of [9,6]").in("x", g, 9, 6)
                    .fn(a -> unary(op, a.t(0).slice(1, 1, 6, 2).transpose(0, 1))));
            switch (op) {
                case EXP, SIGMOID, TANH, ELU, GELU, SOFTPLUS ->
                        add(of(n, "saturating inputs |x| in [20,40)").in("x", Gen.awayFromZero(20, 40), 4, 5).fn(a -> unary(op, a.t(0))));
                default -> { }
            }
            if (takesIntegers(op)) {
                add(of(n, "INT64 [5,7]").ints("x", INT64, Gen.ints(-9, 9), 5, 7).dtypes(INT64).fn(a -> unary(op, a.t(0))));
                add(of(n, "INT32 transposed [4,3]").ints("x", INT32, Gen.ints(-9, 9), 3, 4).dtypes(INT32)
                        .fn(a -> unary(op, a.t(0).transpose(0, 1))));
            }
        }
    }

    /** The Tensor method for each binary op (exhaustive). */
    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case POW -> a.pow(b);
            case MAX -> a.maximum(b);
            case MIN -> a.minimum(b);
            case EQ -> a.eq(b);
            case NE -> a.ne(b);
            case LT -> a.lt(b);
            case LE -> a.le(b);
            case GT -> a.gt(b);
            case GE -> a.ge(b);
        };
    }

    /** The Tensor method for each op with a scalar right operand (exhaustive). */
    static Tensor binaryScalar(BinaryOp op, Tensor a, double s) {
        return switch (op) {
            case ADD -> a.add(s);
            case SUB -> a.sub(s);
            case MUL -> a.mul(s);
            case DIV -> a.div(s);
            case POW -> a.pow(s);
            case MAX -> a.maximum(s);
            case MIN -> a.minimum(s);
            case EQ -> a.eq(s);
            case NE -> a.ne(s);
            case LT -> a.lt(s);
            case LE -> a.le(s);
            case GT -> a.gt(s);
            case GE -> a.ge(s);
        };
    }

    /** Left and right operand generators: divisors off zero, positive bases, tie-heavy values for comparisons. */
    private static Gen[] operands(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, MAX, MIN -> new Gen[]{Gen.normal(1), Gen.normal(1)};
            case DIV -> new Gen[]{Gen.normal(1), Gen.awayFromZero(0.5, 2)};
            case POW -> new Gen[]{Gen.uniform(0.5, 2), Gen.uniform(-1.5, 1.5)};
            case EQ, NE, LT, LE, GT, GE -> new Gen[]{Gen.ints(-2, 2), Gen.ints(-2, 2)};
        };
    }

    /** Non-zero small integers of both signs (integer division: truncation toward zero). */
    private static final Gen NONZERO_INTS = (n, r) -> {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(4));
        return v;
    };

    private void binary() {
        for (BinaryOp op : BinaryOp.values()) {
            String n = "binary." + op.opName();
            Gen[] g = operands(op);
            boolean cmp = op.isComparison();
            Tolerance.Pair tol = cmp ? Tolerance.exactPair("comparisons of identical values give identical 0/1") : Tolerance.pointwise();
            OpCase.Builder[] bs = {
                    of(n, "same shape, odd sizes [5,7]").in("a", g[0], 5, 7).in("b", g[1], 5, 7).fn(a -> binary(op, a.t(0), a.t(1))),
                    of(n, "broadcast both ways [3,1,5] with [4,1]").in("a", g[0], 3, 1, 5).in("b", g[1], 4, 1)
                            .fn(a -> binary(op, a.t(0), a.t(1))),
                    of(n, "rank-0 right operand with [4,3]").in("a", g[0], 4, 3).in("b", g[1]).fn(a -> binary(op, a.t(0), a.t(1))),
                    of(n, "rank-0 left operand with [3,2]").in("a", g[0]).in("b", g[1], 3, 2).fn(a -> binary(op, a.t(0), a.t(1))),
                    of(n, "zero-size [0,3] with [1,3]").in("a", g[0], 0, 3).in("b", g[1], 1, 3).fn(a -> binary(op, a.t(0), a.t(1))),
                    of(n, "non-contiguous: transposed [5,4] with a step-2 slice of [4,10]").in("a", g[0], 5, 4).in("b", g[1], 4, 10)
                            .fn(a -> binary(op, a.t(0).transpose(0, 1), a.t(1).slice(1, 0, 10, 2))),
            };
            for (OpCase.Builder b : bs) add(cmp ? b.noGrad().tol(tol) : b.tol(tol));
            if (op == BinaryOp.MAX || op == BinaryOp.MIN)
                // a == b everywhere: the gradient splits ½/½ (BinaryGrads), which is also what a central difference measures.
                add(of(n, "ties everywhere (a == b)").in("a", Gen.ints(-2, 2), 3, 4)
                        .fn(a -> binary(op, a.t(0), a.t(0).mul(1.0))));
            if (op != BinaryOp.POW) {
                Gen ia = Gen.ints(-9, 9), ib = op == BinaryOp.DIV ? NONZERO_INTS : cmp ? Gen.ints(-2, 2) : Gen.ints(-9, 9);
                add(of(n, "INT64 [4,5] with negatives").ints("a", INT64, cmp ? ib : ia, 4, 5).ints("b", INT64, ib, 4, 5).dtypes(INT64)
                        .fn(a -> binary(op, a.t(0), a.t(1))));
                add(of(n, "INT32 broadcast [3,1] with [1,4]").ints("a", INT32, cmp ? ib : ia, 3, 1).ints("b", INT32, ib, 1, 4).dtypes(INT32)
                        .fn(a -> binary(op, a.t(0), a.t(1))));
            }
        }
    }

    private void binaryScalar() {
        for (BinaryOp op : BinaryOp.values()) {
            String n = "binaryScalar." + op.opName();
            boolean cmp = op.isComparison();
            Gen g = operands(op)[0];
            double s = switch (op) {
                case ADD, SUB -> 0.75;
                case MUL -> -1.5;
                case DIV -> 1.75;
                case POW -> 1.5;
                case MAX, MIN -> 0.25;
                case EQ, NE, LT, LE, GT, GE -> 1;
            };
            Tolerance.Pair tol = cmp ? Tolerance.exactPair("comparisons of identical values give identical 0/1") : Tolerance.pointwise();
            OpCase.Builder a1 = of(n, "[6,7] op " + s).in("x", g, 6, 7).fn(a -> binaryScalar(op, a.t(0), s)).tol(tol);
            OpCase.Builder a2 = of(n, "non-contiguous transposed [7,6], op " + s).in("x", g, 7, 6)
                    .fn(a -> binaryScalar(op, a.t(0).transpose(0, 1), s)).tol(tol);
            add(cmp ? a1.noGrad() : a1);
            add(cmp ? a2.noGrad() : a2);
            if (op != BinaryOp.POW) {
                double is = op == BinaryOp.DIV ? -2 : op == BinaryOp.MUL ? -3 : cmp ? 0 : 2;
                add(of(n, "INT64 [4,5] op " + (long) is).ints("x", INT64, Gen.ints(-9, 9), 4, 5).dtypes(INT64)
                        .fn(a -> binaryScalar(op, a.t(0), is)));
            }
        }
        add(of("binaryScalar.sub", "scalar first: 0.75 − x (rsub)").in("x", Gen.normal(1), 5, 6).fn(a -> a.t(0).rsub(0.75)));
        add(of("binaryScalar.div", "scalar first: 1.75 / x (rdiv)").in("x", Gen.awayFromZero(0.5, 2), 5, 6).fn(a -> a.t(0).rdiv(1.75)));
        add(of("binaryScalar.div", "INT64 scalar first: 17 / x").ints("x", INT64, NONZERO_INTS, 9).dtypes(INT64).fn(a -> a.t(0).rdiv(17)));
    }

    // ============================================================================================
    // Reductions
    // ============================================================================================

    /** The Tensor method for each reduction (exhaustive). */
    static Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDim) {
        return switch (op) {
            case SUM -> x.sum(axes, keepDim);
            case MEAN -> x.mean(axes, keepDim);
            case MAX -> x.max(axes, keepDim);
            case MIN -> x.min(axes, keepDim);
        };
    }

    private void reductions() {
        for (ReduceOp op : ReduceOp.values()) {
            String n = "reduce." + op.opName();
            boolean select = op == ReduceOp.MAX || op == ReduceOp.MIN;
            Gen g = select ? Gen.distinct(2) : Gen.normal(1);
            add(of(n, "all of [5,7] to rank 0").in("x", g, 5, 7).fn(a -> reduce(op, a.t(0), null, false)).tol(Tolerance.accumulation(35)));
            add(of(n, "axis 1 of [3,5,4]").in("x", g, 3, 5, 4).fn(a -> reduce(op, a.t(0), new int[]{1}, false)).tol(Tolerance.accumulation(5)));
            add(of(n, "axes {0,2} of [3,5,4], keepDim").in("x", g, 3, 5, 4).fn(a -> reduce(op, a.t(0), new int[]{2, 0}, true))
                    .tol(Tolerance.accumulation(12)));
            add(of(n, "axis -1 of a permuted (non-contiguous) [4,3,5]").in("x", g, 3, 5, 4)
                    .fn(a -> reduce(op, a.t(0).permute(2, 0, 1), new int[]{-1}, false)).tol(Tolerance.accumulation(5)));
            add(of(n, "rank-0 input").in("x", g).fn(a -> reduce(op, a.t(0), null, false)));
            add(of(n, "long axis: 1000 elements").in("x", g, 2, 1000).fn(a -> reduce(op, a.t(0), new int[]{1}, false))
                    .tol(Tolerance.accumulation(1000)).noGradCheck(LONG_CASE));
            if (select) {
                add(of(n, "ties within rows of [4,6]").in("x", Gen.ints(-2, 2), 4, 6).fn(a -> reduce(op, a.t(0), new int[]{1}, false))
                        .noGradCheck("tied extremes share the gradient equally (ReduceGrads); with 3+ ties a central difference sees ½, not ⅓"));
                add(of(n, "INT32 axis 0 of [4,6]").ints("x", INT32, Gen.ints(-50, 50), 4, 6).dtypes(INT32)
                        .fn(a -> reduce(op, a.t(0), new int[]{0}, false)));
            } else {
                add(of(n, "zero-size: over the empty axis of [0,4]").in("x", g, 0, 4).fn(a -> reduce(op, a.t(0), new int[]{0}, false)));
                if (op == ReduceOp.SUM)
                    add(of(n, "INT64 axis 0 of [4,6]").ints("x", INT64, Gen.ints(-50, 50), 4, 6).dtypes(INT64)
                            .fn(a -> reduce(op, a.t(0), new int[]{0}, false)));
            }
        }
        add(of("variance", "unbiased over axis 1 of [4,7]").in("x", Gen.normal(1), 4, 7).fn(a -> a.t(0).variance(new int[]{1}, true, false))
                .tol(Tolerance.accumulation(7)));
        add(of("norm", "p=2 over all of [5,6]").in("x", Gen.normal(1), 5, 6).fn(a -> a.t(0).norm(null, false)).tol(Tolerance.accumulation(30)));
        add(of("norm", "p=∞ over axis 0 of [5,6]").in("x", Gen.distinct(2), 5, 6)
                .fn(a -> a.t(0).norm(Double.POSITIVE_INFINITY, new int[]{0}, false)));

        for (boolean max : new boolean[]{true, false}) {
            String n = max ? "argmax" : "argmin";
            Tolerance.Pair exact = Tolerance.exactPair("an index: any difference is a bug");
            add(of(n, "axis 1 of [4,7]").in("x", Gen.distinct(2), 4, 7).noGrad().tol(exact)
                    .fn(a -> max ? a.t(0).argmax(1, false) : a.t(0).argmin(1, false)));
            add(of(n, "axis 0 of a transposed view, keepDim").in("x", Gen.distinct(2), 5, 3).noGrad().tol(exact)
                    .fn(a -> max ? a.t(0).transpose(0, 1).argmax(0, true) : a.t(0).transpose(0, 1).argmin(0, true)));
            add(of(n, "ties pick the first index").in("x", Gen.ints(0, 2), 5, 6).noGrad().tol(exact)
                    .fn(a -> max ? a.t(0).argmax(1, false) : a.t(0).argmin(1, false)));
            add(of(n, "rank-1 [9]").in("x", Gen.distinct(2), 9).noGrad().tol(exact)
                    .fn(a -> max ? a.t(0).argmax(0, false) : a.t(0).argmin(0, false)));
            add(of(n, "INT64 axis -1 of [3,4]").ints("x", INT64, Gen.ints(-5, 5), 3, 4).dtypes(INT64)
                    .fn(a -> max ? a.t(0).argmax(-1, false) : a.t(0).argmin(-1, false)));
        }
    }

    // ============================================================================================
    // Matrix products
    // ============================================================================================

    private void matmul() {
        String n = "matmul";
        add(of(n, "odd sizes [5,7]@[7,3]").in("a", Gen.normal(1), 5, 7).in("b", Gen.normal(1), 7, 3)
                .fn(a -> a.t(0).matmul(a.t(1))).tol(Tolerance.accumulation(7)));
        add(of(n, "batched with broadcast [2,1,4,5]@[3,5,6]").in("a", Gen.normal(1), 2, 1, 4, 5).in("b", Gen.normal(1), 3, 5, 6)
                .fn(a -> a.t(0).matmul(a.t(1))).tol(Tolerance.accumulation(24)));
        add(of(n, "vector @ matrix [7]@[7,3]").in("a", Gen.normal(1), 7).in("b", Gen.normal(1), 7, 3)
                .fn(a -> a.t(0).matmul(a.t(1))).tol(Tolerance.accumulation(7)));
        add(of(n, "matrix @ vector [4,7]@[7]").in("a", Gen.normal(1), 4, 7).in("b", Gen.normal(1), 7)
                .fn(a -> a.t(0).matmul(a.t(1))).tol(Tolerance.accumulation(7)));
        add(of(n, "non-contiguous operands [7,5]ᵀ@[3,7]ᵀ").in("a", Gen.normal(1), 7, 5).in("b", Gen.normal(1), 3, 7)
                .fn(a -> a.t(0).transpose(0, 1).matmul(a.t(1).transpose(0, 1))).tol(Tolerance.accumulation(7)));
        add(of(n, "zero inner dimension [3,0]@[0,4]").in("a", Gen.normal(1), 3, 0).in("b", Gen.normal(1), 0, 4)
                .fn(a -> a.t(0).matmul(a.t(1))));
        add(of(n, "zero rows [0,5]@[5,3]").in("a", Gen.normal(1), 0, 5).in("b", Gen.normal(1), 5, 3)
                .fn(a -> a.t(0).matmul(a.t(1))));
        add(of(n, "outer product [4,1]@[1,3]").in("a", Gen.normal(1), 4, 1).in("b", Gen.normal(1), 1, 3)
                .fn(a -> a.t(0).matmul(a.t(1))).tol(Tolerance.accumulation(4)));
        add(of(n, "long inner dimension [6,300]@[300,5]").in("a", Gen.normal(1), 6, 300).in("b", Gen.normal(1), 300, 5)
                .fn(a -> a.t(0).matmul(a.t(1))).tol(Tolerance.accumulation(300)).noGradCheck(LONG_CASE));
        add(of("linear", "x[4,6]·W[3,6]ᵀ + b (transposed-B GEMM)").in("x", Gen.normal(1), 4, 6).in("w", Gen.normal(1), 3, 6)
                .in("b", Gen.normal(1), 3).fn(a -> NN.linear(a.t(0), a.t(1), a.t(2))).tol(Tolerance.accumulation(6)));
        add(of("linear", "3-D input [2,3,6], no bias").in("x", Gen.normal(1), 2, 3, 6).in("w", Gen.normal(1), 4, 6)
                .fn(a -> NN.linear(a.t(0), a.t(1), null)).tol(Tolerance.accumulation(6)));
    }

    // ============================================================================================
    // Convolution (NCHW)
    // ============================================================================================

    /** A conv2d case; the tolerance covers the largest sum: C/G·R·S forward, K/G·R·S backward data, N·P·Q backward filter. */
    private void conv(String name, int[] x, int[] w, boolean bias, Conv2dParams p) {
        int outH = Conv2dParams.outputSize(x[2], w[2], p.strideH(), p.padH(), p.dilationH());
        int outW = Conv2dParams.outputSize(x[3], w[3], p.strideW(), p.padW(), p.dilationW());
        int terms = Math.max(Math.max(w[1] * w[2] * w[3], w[0] / p.groups() * w[2] * w[3]), x[0] * outH * outW);
        OpCase.Builder b = of("conv2d", name).in("x", Gen.normal(1), x).in("w", Gen.normal(0.5), w);
        if (bias) b.in("b", Gen.normal(1), w[0]);
        add(b.fn(a -> NN.conv2d(a.t(0), a.t(1), bias ? a.t(2) : null, p)).tol(Tolerance.accumulation(terms)));
    }

    private void convolution() {
        conv("odd sizes x[2,3,7,6] w[4,3,3,3], pad 1, bias", new int[]{2, 3, 7, 6}, new int[]{4, 3, 3, 3}, true, Conv2dParams.of(1, 1));
        conv("non-square stride (2,1), pad (1,0), kernel 3×2", new int[]{2, 2, 9, 7}, new int[]{3, 2, 3, 2}, true,
                new Conv2dParams(2, 1, 1, 0, 1, 1, 1));
        conv("dilation (2,1) with groups 2", new int[]{1, 4, 9, 8}, new int[]{6, 2, 3, 3}, false, new Conv2dParams(1, 1, 1, 1, 2, 1, 2));
        conv("depthwise (groups = channels = 4), stride 2", new int[]{2, 4, 7, 7}, new int[]{4, 1, 3, 3}, true, new Conv2dParams(2, 2, 1, 1, 1, 1, 4));
        conv("depthwise with channel multiplier 2, dilation 2", new int[]{1, 3, 8, 7}, new int[]{6, 1, 3, 3}, false,
                new Conv2dParams(1, 1, 2, 2, 2, 2, 3));
        conv("1×1 kernel, stride 2 (output skips input rows)", new int[]{2, 5, 5, 4}, new int[]{3, 5, 1, 1}, true, Conv2dParams.of(2, 0));
        conv("kernel covers the whole input (1×1 output)", new int[]{2, 2, 4, 3}, new int[]{3, 2, 4, 3}, true, Conv2dParams.defaults());
        conv("stride larger than the kernel (3 vs 2), odd input", new int[]{1, 2, 8, 7}, new int[]{2, 2, 2, 2}, false, Conv2dParams.of(3, 0));
        add(of("conv2d", "non-contiguous input: NHWC data viewed as NCHW").in("x", Gen.normal(1), 2, 5, 4, 3).in("w", Gen.normal(0.5), 4, 3, 3, 3)
                .fn(a -> NN.conv2d(a.t(0).permute(0, 3, 1, 2), a.t(1), null, Conv2dParams.of(1, 1))).tol(Tolerance.accumulation(40)));

        add(of("convTranspose2d", "stride 2, pad 1, output padding 1, bias").in("x", Gen.normal(1), 2, 4, 4, 3).in("w", Gen.normal(0.5), 4, 3, 3, 3)
                .in("b", Gen.normal(1), 3)
                .fn(a -> NN.convTranspose2d(a.t(0), a.t(1), a.t(2), new ConvTranspose2dParams(Conv2dParams.of(2, 1), 1, 1)))
                .tol(Tolerance.accumulation(100)));
        add(of("convTranspose2d", "groups 2, dilation 2, non-square kernel 3×2").in("x", Gen.normal(1), 1, 4, 3, 4).in("w", Gen.normal(0.5), 4, 2, 3, 2)
                .fn(a -> NN.convTranspose2d(a.t(0), a.t(1), null, new ConvTranspose2dParams(new Conv2dParams(1, 1, 0, 0, 2, 2, 2), 0, 0)))
                .tol(Tolerance.accumulation(60)));
        add(of("channelShuffle", "[2,6,3,2] in 3 groups").in("x", Gen.normal(1), 2, 6, 3, 2).fn(a -> NN.channelShuffle(a.t(0), 3)));
    }

    // ============================================================================================
    // Pooling and upsampling
    // ============================================================================================

    private void pooling() {
        for (PoolMode mode : PoolMode.values()) {
            String n = "pool2d." + mode.name().toLowerCase(java.util.Locale.ROOT);
            boolean max = mode == PoolMode.MAX;
            // Max pooling selects (exact), and its backward adds at most a few routed gradients per input; average pooling sums k·k terms.
            Gen g = max ? Gen.distinct(2) : Gen.normal(1);
            add(of(n, "kernel 3 stride 2 pad 1 on odd 7×6").in("x", g, 2, 3, 7, 6)
                    .fn(a -> NN.pool2d(a.t(0), Pool2dParams.of(mode, 3, 2, 1))).tol(Tolerance.accumulation(9)));
            add(of(n, "non-square kernel (2,3), stride (1,2)").in("x", g, 1, 2, 5, 8)
                    .fn(a -> NN.pool2d(a.t(0), new Pool2dParams(mode, 2, 3, 1, 2, 0, 0))).tol(Tolerance.accumulation(6)));
            add(of(n, "window is the whole input").in("x", g, 2, 2, 4, 5)
                    .fn(a -> NN.pool2d(a.t(0), new Pool2dParams(mode, 4, 5, 1, 1, 0, 0))).tol(Tolerance.accumulation(20)));
            add(of(n, "overlapping windows, kernel 3 stride 1 pad 2 (mostly padding at corners)").in("x", g, 1, 2, 4, 4)
                    .fn(a -> NN.pool2d(a.t(0), Pool2dParams.of(mode, 3, 1, 2))).tol(Tolerance.accumulation(9)));
        }
        add(of("globalAvgPool2d", "[2,3,5,3]").in("x", Gen.normal(1), 2, 3, 5, 3).fn(a -> NN.globalAvgPool2d(a.t(0))).tol(Tolerance.accumulation(15)));
        for (UpsampleMode mode : UpsampleMode.values()) {
            String n = "upsample2x." + mode.name().toLowerCase(java.util.Locale.ROOT);
            add(of(n, "odd 3×5").in("x", Gen.normal(1), 2, 3, 3, 5).fn(a -> NN.upsample2x(a.t(0), mode)).tol(Tolerance.accumulation(16)));
            add(of(n, "1×1 input (all borders)").in("x", Gen.normal(1), 1, 2, 1, 1).fn(a -> NN.upsample2x(a.t(0), mode)).tol(Tolerance.accumulation(16)));
            add(of(n, "non-contiguous input (NHWC viewed as NCHW)").in("x", Gen.normal(1), 1, 4, 3, 2)
                    .fn(a -> NN.upsample2x(a.t(0).permute(0, 3, 1, 2), mode)).tol(Tolerance.accumulation(16)));
        }
    }

    // ============================================================================================
    // Normalisation and dropout
    // ============================================================================================

    /**
     * x, γ, β differentiated. The running statistics are inputs too; with {@code statistics} the case
     * returns them after the in-place update instead of y (and has no gradient: they depend on x
     * through a path autograd deliberately does not record).
     */
    private OpCase.Builder batchNorm(String name, boolean training, boolean statistics, int... dims) {
        int c = dims[1], m = 1;
        for (int i = 0; i < dims.length; i++) if (i != 1) m *= dims[i];
        OpCase.Builder b = of("batchNorm", name).in("x", Gen.normal(2), dims).in("gamma", Gen.uniform(0.5, 1.5), c).in("beta", Gen.normal(1), c)
                .constant("runningMean", Gen.normal(0.1), c).constant("runningVar", Gen.uniform(0.5, 1.5), c)
                .fn(a -> {
                    Tensor y = NN.batchNorm(a.t(0), a.t(1), a.t(2), a.t(3), a.t(4), training, new BatchNormParams(1e-5, 0.1));
                    return statistics ? joined(a.t(3), a.t(4)) : y;
                }).tol(Tolerance.accumulation(m));
        return statistics ? b.noGrad() : b;
    }

    private void normalization() {
        add(batchNorm("training 4-D [3,4,5,3]", true, false, 3, 4, 5, 3));
        add(batchNorm("training 4-D [3,4,5,3]: running statistics after the update", true, true, 3, 4, 5, 3));
        add(batchNorm("training 2-D [6,5]", true, false, 6, 5));
        add(batchNorm("training, 2 values per channel (the minimum)", true, false, 2, 3));
        add(batchNorm("training, 2 values per channel: running statistics (unbiased variance ×2)", true, true, 2, 3));
        add(batchNorm("inference with running statistics [2,3,4,4]", false, false, 2, 3, 4, 4));
        add(of("batchNorm", "training on a non-contiguous input (NHWC viewed as NCHW)").in("x", Gen.normal(2), 2, 3, 3, 4)
                .in("gamma", Gen.uniform(0.5, 1.5), 4).in("beta", Gen.normal(1), 4)
                .constant("runningMean", Gen.normal(0.1), 4).constant("runningVar", Gen.uniform(0.5, 1.5), 4)
                .fn(a -> NN.batchNorm(a.t(0).permute(0, 3, 1, 2), a.t(1), a.t(2), a.t(3), a.t(4), true, BatchNormParams.defaults()))
                .tol(Tolerance.accumulation(18)));

        for (double p : new double[]{0.3, 0.9}) {
            add(of("dropout", "p=" + p + " [7,11]").in("x", Gen.normal(1), 7, 11)
                    .fn(a -> NN.dropout(a.t(0), p, DROPOUT_SEED, DROPOUT_STREAM)));
        }
        add(of("dropout", "p=0.5 on a transposed view, 64-bit stream").in("x", Gen.normal(1), 6, 5)
                .fn(a -> NN.dropout(a.t(0).transpose(0, 1), 0.5, -3, 0x7fff_ffff_0001L)));
    }

    // ============================================================================================
    // Softmax and losses
    // ============================================================================================

    private void softmaxAndLosses() {
        for (boolean log : new boolean[]{false, true}) {
            String n = log ? "logSoftmax" : "softmax";
            add(of(n, "last axis of [4,9]").in("x", Gen.normal(2), 4, 9).fn(a -> sm(a.t(0), -1, log)).tol(Tolerance.accumulation(9)));
            add(of(n, "axis 0 of [5,3,4] (not the last)").in("x", Gen.normal(2), 5, 3, 4).fn(a -> sm(a.t(0), 0, log)).tol(Tolerance.accumulation(5)));
            add(of(n, "large logits in [-60,60) (stability)").in("x", Gen.uniform(-60, 60), 3, 8).fn(a -> sm(a.t(0), 1, log))
                    .tol(Tolerance.accumulation(8)));
            add(of(n, "non-contiguous: transposed [6,5], axis -1").in("x", Gen.normal(2), 6, 5)
                    .fn(a -> sm(a.t(0).transpose(0, 1), -1, log)).tol(Tolerance.accumulation(6)));
            add(of(n, "single class [4,1]").in("x", Gen.normal(2), 4, 1).fn(a -> sm(a.t(0), 1, log)));
            add(of(n, "rank 0").in("x", Gen.normal(2)).fn(a -> sm(a.t(0), 0, log)));
            add(of(n, "zero-size [0,5]").in("x", Gen.normal(2), 0, 5).fn(a -> sm(a.t(0), 1, log)));
        }

        crossEntropy("mean, INT64 labels [5,7]", 5, 7, INT64, CrossEntropyParams.mean(), Gen.normal(2));
        crossEntropy("sum, INT32 labels [6,4]", 6, 4, INT32, new CrossEntropyParams(Reduction.SUM, CrossEntropyParams.NO_IGNORE, 0), Gen.normal(2));
        crossEntropy("none (per-sample losses) [5,3]", 5, 3, INT64, new CrossEntropyParams(Reduction.NONE, CrossEntropyParams.NO_IGNORE, 0),
                Gen.normal(2));
        crossEntropy("ignore index 2 and label smoothing 0.1 [8,5]", 8, 5, INT64, new CrossEntropyParams(Reduction.MEAN, 2, 0.1), Gen.normal(2));
        crossEntropy("large logits in [-50,50)", 4, 6, INT64, CrossEntropyParams.mean(), Gen.uniform(-50, 50));
        crossEntropy("single class [3,1]", 3, 1, INT64, CrossEntropyParams.mean(), Gen.normal(2));

        for (Reduction r : Reduction.values()) {
            String rn = r.name().toLowerCase(java.util.Locale.ROOT);
            add(of("mseLoss", rn + " [4,5]").in("pred", Gen.normal(1), 4, 5).constant("target", Gen.normal(1), 4, 5)
                    .fn(a -> NN.mseLoss(a.t(0), a.t(1), r)).tol(Tolerance.accumulation(20)));
            add(of("bceWithLogits", rn + " [4,5], logits in [-30,30)").in("logits", Gen.uniform(-30, 30), 4, 5)
                    .constant("target", Gen.uniform(0, 1), 4, 5).fn(a -> NN.bceWithLogits(a.t(0), a.t(1), r)).tol(Tolerance.accumulation(20)));
        }
    }

    private static Tensor sm(Tensor x, int axis, boolean log) {
        return log ? x.logSoftmax(axis) : x.softmax(axis);
    }

    private void crossEntropy(String name, int n, int c, DType labelType, CrossEntropyParams p, Gen logits) {
        add(of("crossEntropy", name).in("logits", logits, n, c).ints("labels", labelType, Gen.ints(0, c - 1), n)
                .fn(a -> NN.crossEntropy(a.t(0), a.t(1), p)).tol(Tolerance.accumulation(n * c)));
    }

    // ============================================================================================
    // Lookups
    // ============================================================================================

    private void lookups() {
        add(of("embedding", "INT64 [2,5] indices with repeats into [6,3]").in("weight", Gen.normal(1), 6, 3)
                .ints("indices", INT64, Gen.ints(0, 5), 2, 5).fn(a -> NN.embedding(a.t(0), a.t(1))).tol(Tolerance.accumulation(10)));
        add(of("embedding", "INT32 1-D indices into [4,5]").in("weight", Gen.normal(1), 4, 5)
                .ints("indices", INT32, Gen.ints(0, 3), 7).fn(a -> NN.embedding(a.t(0), a.t(1))).tol(Tolerance.accumulation(7)));
        add(of("embedding", "non-contiguous weight ([3,6] transposed)").in("weight", Gen.normal(1), 3, 6)
                .ints("indices", INT64, Gen.ints(0, 5), 4).fn(a -> NN.embedding(a.t(0).transpose(0, 1), a.t(1))).tol(Tolerance.accumulation(4)));
        add(of("embedding", "rank-0 index").in("weight", Gen.normal(1), 4, 3)
                .ints("indices", INT64, Gen.of(2)).fn(a -> NN.embedding(a.t(0), a.t(1))));
    }

    // ============================================================================================
    // Recurrent networks
    // ============================================================================================

    /** Options of one recurrent case. */
    private record Rnn(RnnMode mode, String name, int steps, int batch, int in, int hidden, int layers, boolean bidirectional,
                       double dropout, int[] lengths, boolean initialState, boolean singleBias, boolean batchFirstView, boolean training,
                       boolean grads) {
    }

    private void rnn(Rnn r) {
        RnnParams p = new RnnParams(r.mode, r.in, r.hidden, r.layers, r.bidirectional, r.dropout, 0xD0_0D);
        boolean lstm = r.mode == RnnMode.LSTM;
        OpCase.Builder b = of("rnn." + r.mode.opName(), r.name);
        if (r.batchFirstView) b.in("x", Gen.normal(1), r.batch, r.steps, r.in);
        else b.in("x", Gen.normal(1), r.steps, r.batch, r.in);
        Shape state = p.stateShape(r.batch);
        if (r.initialState) {
            b.in("h0", Gen.normal(0.5), state.toArray());
            if (lstm) b.in("c0", Gen.normal(0.5), state.toArray());
        }
        int first = r.initialState ? (lstm ? 3 : 2) : 1;
        int[] slot = new int[p.weightCount()];
        int next = first;
        double bound = 1 / Math.sqrt(r.hidden);
        for (int i = 0; i < p.weightCount(); i++) {
            if (r.singleBias && i % 4 == 3) {
                slot[i] = -1;
                continue;
            }
            slot[i] = next++;
            b.in(p.weightName(i), Gen.uniform(-bound, bound), p.weightShape(i).toArray());
        }
        int terms = Math.max(r.steps * r.batch, 4 * Math.max(r.in, r.hidden * (r.bidirectional ? 2 : 1))) * r.layers;
        b.fn(a -> {
            Tensor x = r.batchFirstView ? a.t(0).transpose(0, 1) : a.t(0);
            Tensor h0 = r.initialState ? a.t(1) : null, c0 = r.initialState && lstm ? a.t(2) : null;
            List<Tensor> ws = new ArrayList<>();
            for (int s : slot) ws.add(s < 0 ? null : a.t(s));
            Recurrent.Result out = Recurrent.rnn(x, r.lengths, h0, c0, ws, p, r.training, 3);
            return joined(out.output(), out.hn(), out.cn());
        }).tol(Tolerance.accumulation(terms));
        if (!r.grads) b.noGrad();
        add(b);
    }

    private void recurrent() {
        for (RnnMode m : RnnMode.values()) {
            rnn(new Rnn(m, "1 layer, T=4 N=3 in=3 H=4", 4, 3, 3, 4, 1, false, 0, null, false, false, false, true, true));
            rnn(new Rnn(m, "2-layer bidirectional stack", 3, 2, 3, 3, 2, true, 0, null, false, false, false, true, true));
            rnn(new Rnn(m, "padded variable-length batch, lengths [4,2,3,1], bidirectional, initial state", 4, 4, 2, 3, 1, true, 0,
                    new int[]{4, 2, 3, 1}, true, false, false, true, true));
            rnn(new Rnn(m, "single bias (b_hh absent), time-major view of batch-first data", 3, 2, 3, 3, 1, false, 0, null, false, true, true,
                    true, true));
            rnn(new Rnn(m, "2 layers with dropout 0.4 between them (training)", 3, 2, 2, 3, 2, false, 0.4, null, false, false, false, true, true));
            rnn(new Rnn(m, "inference forward (no reserve), 2 layers, padded lengths [3,1]", 3, 2, 2, 3, 2, false, 0.4, new int[]{3, 1}, true,
                    false, false, false, false));
        }
    }
}
