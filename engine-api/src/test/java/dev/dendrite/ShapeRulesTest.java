package dev.dendrite;

import dev.dendrite.ops.Conv2dParams;
import dev.dendrite.ops.ConvTranspose2dParams;
import dev.dendrite.ops.Pool2dParams;
import dev.dendrite.ops.PoolMode;
import dev.dendrite.ops.UnaryOp;
import dev.dendrite.spi.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapeRulesTest {
    private static final Backend DEV0 = FakeBackends.backend("fake", 0);
    private static final Backend DEV1 = FakeBackends.backend("fake", 1);

    private static Shape s(int... d) {
        return Shape.of(d);
    }

    private static String error(Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }

    private static Tensor t(DType dtype, int... dims) {
        return FakeBackends.tensor(DEV0, dtype, dims);
    }

    private static Tensor f32(int... dims) {
        return t(DType.FLOAT32, dims);
    }

    // ---- broadcasting ------------------------------------------------------------------------

    @Test
    void broadcastAlignsFromTheRightAndStretchesOnes() {
        assertEquals(s(2, 3, 4), ShapeRules.broadcast("add", s(), s(2, 3, 4)));
        assertEquals(s(2, 3, 4), ShapeRules.broadcast("add", s(2, 3, 4), s()));
        assertEquals(s(3, 4), ShapeRules.broadcast("add", s(3, 1), s(1, 4)));
        assertEquals(s(5, 3, 4), ShapeRules.broadcast("add", s(5, 1, 4), s(3, 1)));
        assertEquals(s(2, 3), ShapeRules.broadcast("add", s(2, 3), s(3)));
        assertEquals(s(0, 3), ShapeRules.broadcast("add", s(0, 3), s(1, 3)));
        assertEquals(s(2, 0), ShapeRules.broadcast("add", s(2, 1), s(0)));
        assertEquals(s(), ShapeRules.broadcast("add", s(), s()));
    }

    @Test
    void broadcastErrorNamesOpShapesAndDimension() {
        assertEquals("add: shapes [2, 3] and [4, 3] cannot be broadcast: dimension -2 is 2 vs 4 (sizes must match or one must be 1)",
                error(() -> ShapeRules.broadcast("add", s(2, 3), s(4, 3))));
        assertEquals("mul: shapes [5, 2, 3] and [4] cannot be broadcast: dimension -1 is 3 vs 4 (sizes must match or one must be 1)",
                error(() -> ShapeRules.broadcast("mul", s(5, 2, 3), s(4))));
        // A zero-size dimension broadcasts only against 0 or 1.
        assertEquals("sub: shapes [0] and [2] cannot be broadcast: dimension -1 is 0 vs 2 (sizes must match or one must be 1)",
                error(() -> ShapeRules.broadcast("sub", s(0), s(2))));
    }

    @Test
    void expandableChecksRankAndSizeOneDimensions() {
        ShapeRules.expandable("expand", s(3, 1), s(2, 3, 4));
        ShapeRules.expandable("expand", s(), s(2, 3));
        assertEquals("expand: cannot expand [2, 3] to lower rank [3]", error(() -> ShapeRules.expandable("expand", s(2, 3), s(3))));
        assertEquals("expand: cannot expand [2, 3] to [4, 3]: dimension 0 has size 2 (only size-1 dimensions expand)",
                error(() -> ShapeRules.expandable("expand", s(2, 3), s(4, 3))));
    }

    // ---- operands ----------------------------------------------------------------------------

    @Test
    void floatingPointOnlyUnaryOpsRejectIntegers() {
        for (UnaryOp op : UnaryOp.values()) {
            boolean needsFloat = switch (op) {
                case NEG, ABS, SIGN, SQUARE, RELU, CLAMP -> false;
                default -> true;
            };
            ShapeRules.unary(op, f32(2));
            if (needsFloat)
                assertEquals(op.opName() + ": needs a floating-point tensor, got [2, 3] int64",
                        error(() -> ShapeRules.unary(op, t(DType.INT64, 2, 3))));
            else
                ShapeRules.unary(op, t(DType.INT32, 2));
        }
    }

    @Test
    void operandCheckMessagesNameOpShapesAndDTypes() {
        assertEquals("add: dtypes differ: [2, 3] float32 vs [3] float64 (convert one with .to(DType))",
                error(() -> ShapeRules.sameDTypeAndDevice("add", f32(2, 3), t(DType.FLOAT64, 3))));
        Tensor onOne = FakeBackends.tensor(DEV1, DType.FLOAT32, 3);
        assertEquals("add: tensors are on different devices: [2, 3] float32 on fake:0, [3] float32 on fake:1 (copy one with .to(Device))",
                error(() -> ShapeRules.sameDTypeAndDevice("add", f32(2, 3), onOne)));
        ShapeRules.sameDTypeAndDevice("add", f32(2), f32(5));

        assertEquals("mean: needs a floating-point tensor, got [4] int32", error(() -> ShapeRules.floatingPoint("mean", t(DType.INT32, 4))));
        assertEquals("embedding: indices must be INT32 or INT64, got [3] float64",
                error(() -> ShapeRules.integral("embedding", "indices", t(DType.FLOAT64, 3))));
        ShapeRules.integral("embedding", "indices", t(DType.INT32, 3));
        assertEquals("conv2d: x must have rank 4, got [2, 3] float32", error(() -> ShapeRules.rank("conv2d", "x", f32(2, 3), 4)));
        assertEquals("batchNorm: x must have rank 2 or 4, got [2] float32", error(() -> ShapeRules.rank("batchNorm", "x", f32(2), 2, 4)));
        assertEquals("op: x must have rank 2, 3 or 4, got [] float32", error(() -> ShapeRules.rank("op", "x", f32(), 2, 3, 4)));
        ShapeRules.rank("batchNorm", "x", f32(2, 3, 4, 5), 2, 4);
        assertEquals("linear: bias must have shape [4], got [5]", error(() -> ShapeRules.shapeEquals("linear", "bias", f32(5), s(4))));
    }

    // ---- reductions --------------------------------------------------------------------------

    @Test
    void reduceAxesNormalisesSortsAndDefaultsToAll() {
        assertArrayEquals(new int[]{0, 1, 2}, ShapeRules.reduceAxes("sum", s(2, 3, 4), null));
        assertArrayEquals(new int[]{0, 1, 2}, ShapeRules.reduceAxes("sum", s(2, 3, 4), new int[0]));
        assertArrayEquals(new int[]{0, 2}, ShapeRules.reduceAxes("sum", s(2, 3, 4), new int[]{-1, 0}));
        assertArrayEquals(new int[]{1}, ShapeRules.reduceAxes("sum", s(2, 3, 4), new int[]{-2}));
        assertArrayEquals(new int[0], ShapeRules.reduceAxes("sum", s(), null));
        assertEquals(s(2, 1, 1), ShapeRules.reducedKeepDim(s(2, 3, 4), new int[]{1, 2}));
        assertEquals(s(2), ShapeRules.reducedDropDim(s(2, 3, 4), new int[]{1, 2}));
        assertEquals(s(3), ShapeRules.reducedDropDim(s(2, 3, 4), new int[]{0, 2}));
        assertEquals(s(), ShapeRules.reducedDropDim(s(2, 3, 4), new int[]{0, 1, 2}));
    }

    @Test
    void reduceAxesErrors() {
        assertEquals("sum: axis 3 is out of range for shape [2, 3, 4] (rank 3)",
                error(() -> ShapeRules.reduceAxes("sum", s(2, 3, 4), new int[]{0, 3})));
        assertEquals("max: axis -4 is out of range for shape [2, 3, 4] (rank 3)",
                error(() -> ShapeRules.reduceAxes("max", s(2, 3, 4), new int[]{-4})));
        assertEquals("sum: axis 2 is repeated in [2, -1]", error(() -> ShapeRules.reduceAxes("sum", s(2, 3, 4), new int[]{2, -1})));
        assertEquals("max: cannot reduce over empty dimension 1 of shape [2, 0] (no identity element)",
                error(() -> ShapeRules.nonEmptyReduction("max", s(2, 0), new int[]{1})));
        ShapeRules.nonEmptyReduction("max", s(2, 0), new int[]{0});
    }

    // ---- matmul ------------------------------------------------------------------------------

    @Test
    void matmulShapesFollowNumPy() {
        assertEquals(s(2, 4), ShapeRules.matmul(s(2, 3), s(3, 4)));
        assertEquals(s(), ShapeRules.matmul(s(3), s(3)));
        assertEquals(s(4), ShapeRules.matmul(s(3), s(3, 4)));
        assertEquals(s(2), ShapeRules.matmul(s(2, 3), s(3)));
        assertEquals(s(2, 5, 3, 6), ShapeRules.matmul(s(2, 1, 3, 4), s(5, 4, 6)));
        assertEquals(s(7, 2, 4), ShapeRules.matmul(s(7, 2, 3), s(3, 4)));
        assertEquals(s(7, 2, 4), ShapeRules.matmul(s(2, 3), s(7, 3, 4)));
        assertEquals(s(2, 5), ShapeRules.matmul(s(4), s(2, 4, 5)));
        assertEquals(s(2, 3), ShapeRules.matmul(s(2, 3, 4), s(4)));
        assertEquals(s(0, 2), ShapeRules.matmul(s(0, 3), s(3, 2)));
        assertEquals(s(2, 3), ShapeRules.matmul(s(2, 0), s(0, 3)));
        assertEquals(s(0, 2, 2), ShapeRules.matmul(s(0, 2, 3), s(1, 3, 2)));
    }

    @Test
    void matmulErrorsNameBothShapesAndTheInnerSizes() {
        assertEquals("matmul: inner dimensions differ: a[2, 3] @ b[4, 5] (a.dim(-1)=3, b.dim(-2)=4)",
                error(() -> ShapeRules.matmul(s(2, 3), s(4, 5))));
        assertEquals("matmul: inner dimensions differ: a[2, 3] @ b[4] (a.dim(-1)=3, b.dim(0)=4)",
                error(() -> ShapeRules.matmul(s(2, 3), s(4))));
        assertEquals("matmul: inner dimensions differ: a[3] @ b[2, 4, 5] (a.dim(-1)=3, b.dim(-2)=4)",
                error(() -> ShapeRules.matmul(s(3), s(2, 4, 5))));
        assertEquals("matmul: operands must have rank >= 1, got a[] @ b[3]", error(() -> ShapeRules.matmul(s(), s(3))));
        assertEquals("matmul: operands must have rank >= 1, got a[3] @ b[]", error(() -> ShapeRules.matmul(s(3), s())));
        assertEquals("matmul: batch dimensions of a[2, 3, 4] and b[5, 4, 6] cannot be broadcast ([2] vs [5])",
                error(() -> ShapeRules.matmul(s(2, 3, 4), s(5, 4, 6))));
    }

    // ---- views -------------------------------------------------------------------------------

    @Test
    void reshapeInfersOneMinusOne() {
        assertEquals(s(6, 4), ShapeRules.reshape(s(2, 3, 4), new int[]{-1, 4}));
        assertEquals(s(2, 3), ShapeRules.reshape(s(6), new int[]{2, -1}));
        assertEquals(s(24), ShapeRules.reshape(s(2, 3, 4), new int[]{-1}));
        assertEquals(s(1, 1), ShapeRules.reshape(s(), new int[]{1, -1}));
        assertEquals(s(), ShapeRules.reshape(s(1, 1), new int[0]));
        assertEquals(s(3, 0), ShapeRules.reshape(s(0, 3), new int[]{3, 0}));
        assertEquals(s(0), ShapeRules.reshape(s(2, 0), new int[]{-1}));
    }

    @Test
    void reshapeErrors() {
        assertEquals("reshape: only one dimension may be -1, got [-1, -1]", error(() -> ShapeRules.reshape(s(4), new int[]{-1, -1})));
        assertEquals("reshape: invalid size -2 in [-2, 3]", error(() -> ShapeRules.reshape(s(6), new int[]{-2, 3})));
        assertEquals("reshape: cannot infer -1 in [4, -1] for 6 elements of [2, 3]", error(() -> ShapeRules.reshape(s(2, 3), new int[]{4, -1})));
        assertEquals("reshape: [2, 3] has 6 elements, [4, 2] has 8", error(() -> ShapeRules.reshape(s(2, 3), new int[]{4, 2})));
        assertEquals("reshape: cannot infer -1 in [0, -1] for 0 elements of [0, 3]", error(() -> ShapeRules.reshape(s(0, 3), new int[]{0, -1})));
        assertEquals("reshape: [] has 1 elements, [2] has 2", error(() -> ShapeRules.reshape(s(), new int[]{2})));
    }

    @Test
    void permutationNormalisesAndRejectsBadAxes() {
        assertArrayEquals(new int[]{2, 0, 1}, ShapeRules.permutation(s(2, 3, 4), new int[]{2, 0, 1}));
        assertArrayEquals(new int[]{2, 0, 1}, ShapeRules.permutation(s(2, 3, 4), new int[]{-1, 0, -2}));
        assertArrayEquals(new int[0], ShapeRules.permutation(s(), new int[0]));
        assertEquals("permute: [0, 1] has 2 axes, tensor [2, 3, 4] has rank 3",
                error(() -> ShapeRules.permutation(s(2, 3, 4), new int[]{0, 1})));
        assertEquals("permute: axis 0 repeated in [0, -3, 1]", error(() -> ShapeRules.permutation(s(2, 3, 4), new int[]{0, -3, 1})));
        assertEquals("permute: axis 3 is out of range for shape [2, 3, 4] (rank 3)",
                error(() -> ShapeRules.permutation(s(2, 3, 4), new int[]{0, 1, 3})));
    }

    @Test
    void narrowAndSliceRanges() {
        ShapeRules.narrow(s(2, 3), 1, 0, 3);
        ShapeRules.narrow(s(2, 3), 1, 3, 0);
        ShapeRules.slice(s(2, 3), 1, 0, 3, 2);
        ShapeRules.slice(s(2, 3), 1, 3, 3, 1);
        assertEquals("narrow: range [1, 5) is outside [0, 3) of axis 1 of [2, 3]", error(() -> ShapeRules.narrow(s(2, 3), 1, 1, 4)));
        assertEquals("narrow: range [-1, 1) is outside [0, 2) of axis 0 of [2, 3]", error(() -> ShapeRules.narrow(s(2, 3), 0, -1, 2)));
        assertEquals("narrow: range [2, 1) is outside [0, 3) of axis 1 of [2, 3]", error(() -> ShapeRules.narrow(s(2, 3), 1, 2, -1)));
        assertEquals("slice: step must be >= 1, got 0", error(() -> ShapeRules.slice(s(2, 3), 1, 0, 3, 0)));
        assertEquals("slice: range [0, 4) is outside [0, 3] of axis 1 of [2, 3]", error(() -> ShapeRules.slice(s(2, 3), 1, 0, 4, 1)));
        assertEquals("slice: range [2, 1) is outside [0, 3] of axis 1 of [2, 3]", error(() -> ShapeRules.slice(s(2, 3), 1, 2, 1, 1)));
        assertEquals("slice: range [-1, 2) is outside [0, 2] of axis 0 of [2, 3]", error(() -> ShapeRules.slice(s(2, 3), 0, -1, 2, 1)));
    }

    @Test
    void axesOutOfRangeNameTheOp() {
        assertEquals(1, ShapeRules.axis("softmax", s(2, 3), -1));
        assertEquals(0, ShapeRules.axis("softmax", s(2, 3), -2));
        assertEquals("softmax: axis 2 is out of range for shape [2, 3] (rank 2)", error(() -> ShapeRules.axis("softmax", s(2, 3), 2)));
        assertEquals("select: axis 0 is out of range for shape [] (rank 0)", error(() -> ShapeRules.axis("select", s(), 0)));
        assertEquals("narrow: axis 2 is out of range for shape [2, 3] (rank 2)", error(() -> ShapeRules.narrow(s(2, 3), 2, 0, 1)));
        assertEquals("slice: axis -3 is out of range for shape [2, 3] (rank 2)", error(() -> ShapeRules.slice(s(2, 3), -3, 0, 1, 1)));
    }

    @Test
    void concatShapes() {
        assertEquals(s(6, 3), ShapeRules.concat(List.of(f32(2, 3), f32(4, 3)), 0));
        assertEquals(s(2, 8), ShapeRules.concat(List.of(f32(2, 3), f32(2, 5)), -1));
        assertEquals(s(2, 3), ShapeRules.concat(List.of(f32(2, 0), f32(2, 3), f32(2, 0)), 1));
        assertEquals(s(2, 3), ShapeRules.concat(List.of(f32(2, 3)), 1));
    }

    @Test
    void concatErrors() {
        assertEquals("concat: needs at least one tensor", error(() -> ShapeRules.concat(List.of(), 0)));
        assertEquals("concat: cannot concatenate scalars (use stack)", error(() -> ShapeRules.concat(List.of(f32(), f32()), 0)));
        assertEquals("concat: ranks differ: [2, 3] vs [2]", error(() -> ShapeRules.concat(List.of(f32(2, 3), f32(2)), 0)));
        assertEquals("concat: shapes [2, 3] and [3, 4] differ in dimension 1 (only axis 0 may differ)",
                error(() -> ShapeRules.concat(List.of(f32(2, 3), f32(3, 4)), 0)));
        assertEquals("concat: dtypes differ: [2, 3] float32 vs [2, 3] int32 (convert one with .to(DType))",
                error(() -> ShapeRules.concat(List.of(f32(2, 3), t(DType.INT32, 2, 3)), 0)));
        Tensor onOne = FakeBackends.tensor(DEV1, DType.FLOAT32, 2, 3);
        assertEquals("concat: tensors are on different devices: [2, 3] float32 on fake:0, [2, 3] float32 on fake:1 (copy one with .to(Device))",
                error(() -> ShapeRules.concat(List.of(f32(2, 3), onOne), 0)));
        assertEquals("concat: axis 2 is out of range for shape [2, 3] (rank 2)",
                error(() -> ShapeRules.concat(List.of(f32(2, 3), f32(2, 3)), 2)));
    }

    // ---- convolution and pooling ---------------------------------------------------------------

    /**
     * Number of window placements along one padded dimension, by counting: output position o reads
     * inputs o·s − p + r·d for r in [0, k); its last tap must not pass the padded end in + p − 1.
     */
    private static int placements(int in, int k, int s, int p, int d) {
        int count = 0;
        for (int o = 0; o * s - p + d * (k - 1) <= in + p - 1; o++) count++;
        return count;
    }

    @Test
    void conv2dOutputSizeOnAGrid() {
        int checked = 0, rejected = 0;
        for (int in = 1; in <= 9; in++)
            for (int k = 1; k <= 4; k++)
                for (int st = 1; st <= 3; st++)
                    for (int p = 0; p <= 2; p++)
                        for (int d = 1; d <= 3; d++) {
                            Conv2dParams params = new Conv2dParams(st, st, p, p, d, d, 1);
                            int expected = placements(in, k, st, p, d);
                            int formula = Math.floorDiv(in + 2 * p - d * (k - 1) - 1, st) + 1;
                            assertEquals(expected, Math.max(formula, 0), "in=" + in + " k=" + k + " s=" + st + " p=" + p + " d=" + d);
                            if (expected > 0) {
                                assertEquals(s(2, 5, expected, expected), ShapeRules.conv2d(s(2, 3, in, in), s(5, 3, k, k), params));
                                checked++;
                            } else {
                                Shape x = s(2, 3, in, in), w = s(5, 3, k, k);
                                String m = error(() -> ShapeRules.conv2d(x, w, params));
                                assertTrue(m.startsWith("conv2d: output size (" + formula + ", " + formula + ") is not positive for input [2, 3, "
                                        + in + ", " + in + "], kernel (" + k + ", " + k + "), " + params), m);
                                rejected++;
                            }
                        }
        assertTrue(checked > 500 && rejected > 50, checked + " valid, " + rejected + " rejected");
    }

    @Test
    void conv2dHandComputedSizes() {
        assertEquals(s(8, 16, 32, 32), ShapeRules.conv2d(s(8, 3, 32, 32), s(16, 3, 3, 3), Conv2dParams.of(1, 1)));
        assertEquals(s(8, 16, 16, 16), ShapeRules.conv2d(s(8, 3, 32, 32), s(16, 3, 3, 3), Conv2dParams.of(2, 1)));
        // Rectangular: H: (31 + 2 − 3)/2 + 1 = 16, W: (29 + 0 − 2·(3 − 1) − 1)/1 + 1 = 25.
        assertEquals(s(1, 4, 16, 25), ShapeRules.conv2d(s(1, 2, 31, 29), s(4, 2, 3, 3), new Conv2dParams(2, 1, 1, 0, 1, 2, 1)));
        // Grouped: 6 input channels in 3 groups of 2, 9 filters.
        assertEquals(s(1, 9, 5, 5), ShapeRules.conv2d(s(1, 6, 7, 7), s(9, 2, 3, 3), Conv2dParams.defaults().withGroups(3)));
        // Depthwise.
        assertEquals(s(1, 4, 7, 7), ShapeRules.conv2d(s(1, 4, 7, 7), s(4, 1, 3, 3), Conv2dParams.of(1, 1).withGroups(4)));
    }

    @Test
    void conv2dErrors() {
        assertEquals("conv2d: input must be 4-D [N, C, H, W], got [3, 32, 32]",
                error(() -> ShapeRules.conv2d(s(3, 32, 32), s(16, 3, 3, 3), Conv2dParams.defaults())));
        assertEquals("conv2d: weight must be 4-D [K, C/groups, R, S], got [16, 3, 3]",
                error(() -> ShapeRules.conv2d(s(8, 3, 32, 32), s(16, 3, 3), Conv2dParams.defaults())));
        assertEquals("conv2d: input [8, 3, 32, 32] has 3 channels, weight [16, 4, 3, 3] expects 4",
                error(() -> ShapeRules.conv2d(s(8, 3, 32, 32), s(16, 4, 3, 3), Conv2dParams.defaults())));
        assertEquals("conv2d: input [8, 3, 32, 32] has 3 channels, not divisible by groups=2",
                error(() -> ShapeRules.conv2d(s(8, 3, 32, 32), s(16, 1, 3, 3), Conv2dParams.defaults().withGroups(2))));
        assertEquals("conv2d: weight [3, 2, 3, 3] has 3 output channels, not divisible by groups=2",
                error(() -> ShapeRules.conv2d(s(1, 4, 8, 8), s(3, 2, 3, 3), Conv2dParams.defaults().withGroups(2))));
        assertEquals("conv2d: input [1, 4, 8, 8] has 4 channels, weight [4, 1, 3, 3] expects 2 (1 per group × groups=2)",
                error(() -> ShapeRules.conv2d(s(1, 4, 8, 8), s(4, 1, 3, 3), Conv2dParams.defaults().withGroups(2))));
        assertEquals("conv2d: output size (-2, 1) is not positive for input [1, 1, 2, 5], kernel (5, 5), "
                        + "stride(1,1) pad(0,0) dilation(1,1) groups=1: out = floor((in + 2·pad − dilation·(k − 1) − 1)/stride) + 1",
                error(() -> ShapeRules.conv2d(s(1, 1, 2, 5), s(1, 1, 5, 5), Conv2dParams.defaults())));
    }

    @Test
    void conv2dParamsErrors() {
        assertEquals("conv2d: stride must be >= 1, got (0, 1)", error(() -> new Conv2dParams(0, 1, 0, 0, 1, 1, 1)));
        assertEquals("conv2d: padding must be >= 0, got (0, -1)", error(() -> new Conv2dParams(1, 1, 0, -1, 1, 1, 1)));
        assertEquals("conv2d: dilation must be >= 1, got (1, 0)", error(() -> new Conv2dParams(1, 1, 0, 0, 1, 0, 1)));
        assertEquals("conv2d: groups must be >= 1, got 0", error(() -> new Conv2dParams(1, 1, 0, 0, 1, 1, 0)));
    }

    @Test
    void convTranspose2dOutputSizeInvertsConv2dOnAGrid() {
        int checked = 0;
        for (int in = 1; in <= 7; in++)
            for (int k = 1; k <= 4; k++)
                for (int st = 1; st <= 3; st++)
                    for (int p = 0; p <= 2; p++)
                        for (int d = 1; d <= 2; d++)
                            for (int op = 0; op < Math.max(st, d); op++) {
                                ConvTranspose2dParams tp = new ConvTranspose2dParams(new Conv2dParams(st, st, p, p, d, d, 1), op, op);
                                int out = (in - 1) * st - 2 * p + d * (k - 1) + op + 1;
                                if (out <= 0) {
                                    Shape x = s(1, 3, in, in), w = s(3, 2, k, k);
                                    assertTrue(error(() -> ShapeRules.convTranspose2d(x, w, tp))
                                            .startsWith("convTranspose2d: output size (" + out + ", " + out + ") is not positive"));
                                    continue;
                                }
                                assertEquals(s(1, 2, out, out), ShapeRules.convTranspose2d(s(1, 3, in, in), s(3, 2, k, k), tp));
                                // The adjoint: a forward conv with the same geometry maps the output size back to in.
                                if (op < st) {
                                    assertEquals(in, placements(out, k, st, p, d), "in=" + in + " k=" + k + " s=" + st + " p=" + p + " d=" + d + " op=" + op);
                                    checked++;
                                }
                            }
        assertTrue(checked > 300, "checked " + checked);
    }

    @Test
    void convTranspose2dHandComputedSizesAndGroups() {
        // (4 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 8: the usual 2× upsampling layer.
        ConvTranspose2dParams up = new ConvTranspose2dParams(Conv2dParams.of(2, 1), 1, 1);
        assertEquals(s(2, 8, 8, 8), ShapeRules.convTranspose2d(s(2, 16, 4, 4), s(16, 8, 3, 3), up));
        // Groups multiply the per-group output channels.
        ConvTranspose2dParams g2 = new ConvTranspose2dParams(Conv2dParams.defaults().withGroups(2), 0, 0);
        assertEquals(s(2, 6, 7, 7), ShapeRules.convTranspose2d(s(2, 4, 5, 5), s(4, 3, 3, 3), g2));
    }

    @Test
    void convTranspose2dErrors() {
        ConvTranspose2dParams tp = new ConvTranspose2dParams(Conv2dParams.defaults(), 0, 0);
        assertEquals("convTranspose2d: input must be 4-D [N, C, H, W], got [1, 2, 3]",
                error(() -> ShapeRules.convTranspose2d(s(1, 2, 3), s(2, 2, 3, 3), tp)));
        assertEquals("convTranspose2d: weight must be 4-D [Cin, Cout/groups, R, S], got [2, 2, 3]",
                error(() -> ShapeRules.convTranspose2d(s(1, 2, 3, 3), s(2, 2, 3), tp)));
        assertEquals("convTranspose2d: input [1, 3, 4, 4] has 3 channels, weight [4, 2, 3, 3] expects 4",
                error(() -> ShapeRules.convTranspose2d(s(1, 3, 4, 4), s(4, 2, 3, 3), tp)));
        ConvTranspose2dParams g2 = new ConvTranspose2dParams(Conv2dParams.defaults().withGroups(2), 0, 0);
        assertEquals("convTranspose2d: input [1, 3, 4, 4] has 3 channels, not divisible by groups=2",
                error(() -> ShapeRules.convTranspose2d(s(1, 3, 4, 4), s(3, 2, 3, 3), g2)));
        ConvTranspose2dParams padded = new ConvTranspose2dParams(Conv2dParams.of(1, 1), 0, 0);
        assertEquals("convTranspose2d: output size (-1, -1) is not positive for input [1, 1, 1, 1], kernel (1, 1), "
                        + "stride(1,1) pad(1,1) dilation(1,1) groups=1, output padding (0, 0)",
                error(() -> ShapeRules.convTranspose2d(s(1, 1, 1, 1), s(1, 1, 1, 1), padded)));
        assertTrue(error(() -> new ConvTranspose2dParams(Conv2dParams.of(2, 0), 2, 0))
                .startsWith("convTranspose2d: output padding (2, 0) must be smaller than stride or dilation (stride(2,2)"));
        assertEquals("convTranspose2d: output padding must be >= 0, got (0, -1)",
                error(() -> new ConvTranspose2dParams(Conv2dParams.of(2, 0), 0, -1)));
    }

    @Test
    void pool2dOutputSizeOnAGrid() {
        int checked = 0;
        for (int in = 1; in <= 9; in++)
            for (int k = 1; k <= 4; k++)
                for (int st = 1; st <= 3; st++)
                    for (int p = 0; p < k; p++) {
                        Pool2dParams params = Pool2dParams.of(PoolMode.MAX, k, st, p);
                        int expected = placements(in, k, st, p, 1);
                        Shape x = s(2, 3, in, in);
                        if (k > in + 2 * p) {
                            assertEquals(0, expected);
                            assertEquals("pool2d: kernel (" + k + ", " + k + ") is larger than the padded input [2, 3, " + in + ", " + in
                                    + "] with padding (" + p + ", " + p + ")", error(() -> ShapeRules.pool2d(x, params)));
                            continue;
                        }
                        assertEquals(s(2, 3, expected, expected), ShapeRules.pool2d(s(2, 3, in, in), params));
                        checked++;
                    }
        assertTrue(checked > 200, "checked " + checked);
        // Rectangular, hand computed: H (7 + 2 − 3)/2 + 1 = 4, W (6 − 2)/1 + 1 = 5.
        assertEquals(s(1, 1, 4, 5), ShapeRules.pool2d(s(1, 1, 7, 6), new Pool2dParams(PoolMode.AVG_INCLUDE_PAD, 3, 2, 2, 1, 1, 0)));
    }

    @Test
    void pool2dErrors() {
        assertEquals("pool2d: input must be 4-D [N, C, H, W], got [1, 4, 4]",
                error(() -> ShapeRules.pool2d(s(1, 4, 4), Pool2dParams.of(PoolMode.MAX, 2, 2, 0))));
        assertEquals("pool2d: kernel (5, 5) is larger than the padded input [1, 1, 2, 2] with padding (1, 1)",
                error(() -> ShapeRules.pool2d(s(1, 1, 2, 2), Pool2dParams.of(PoolMode.MAX, 5, 1, 1))));
        assertEquals("pool2d: padding (2, 2) must be smaller than the kernel (2, 2)", error(() -> Pool2dParams.of(PoolMode.MAX, 2, 1, 2)));
        assertEquals("pool2d: kernel must be >= 1, got (0, 0)", error(() -> Pool2dParams.of(PoolMode.MAX, 0, 1, 0)));
        assertEquals("pool2d: stride must be >= 1, got (0, 0)", error(() -> Pool2dParams.of(PoolMode.MAX, 2, 0, 0)));
        assertEquals("pool2d: padding must be >= 0, got (-1, -1)", error(() -> Pool2dParams.of(PoolMode.MAX, 2, 1, -1)));
        assertEquals("pool2d: mode is null", error(() -> Pool2dParams.of(null, 2, 1, 0)));
    }

    @Test
    void batchNormChannels() {
        assertEquals(3, ShapeRules.batchNormChannels(s(8, 3)));
        assertEquals(3, ShapeRules.batchNormChannels(s(8, 3, 4, 4)));
        assertEquals("batchNorm: input must be [N, C] or [N, C, H, W], got [8, 3, 4]", error(() -> ShapeRules.batchNormChannels(s(8, 3, 4))));
    }
}
