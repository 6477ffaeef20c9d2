package dev.dendrite;

import dev.dendrite.ops.*;

import java.util.Arrays;
import java.util.List;

/**
 * Every shape, dtype and device check, and every output-shape inference, done once before an op is
 * dispatched, so that all backends reject bad input with the same exception and message. Messages
 * name the op, every operand with its full shape, the offending dimension and the rule.
 */
public final class ShapeRules {
    private ShapeRules() {
    }

    // ---- operands ----------------------------------------------------------------------------

    /** Both operands must share dtype and device. */
    public static void sameDTypeAndDevice(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype())
            throw new IllegalArgumentException(op + ": dtypes differ: " + describe(a) + " vs " + describe(b)
                    + " (convert one with .to(DType))");
        sameDevice(op, a, b);
    }

    public static void sameDevice(String op, Tensor a, Tensor b) {
        if (!a.device().equals(b.device()))
            throw new IllegalArgumentException(op + ": tensors are on different devices: " + describe(a) + " on " + a.device()
                    + ", " + describe(b) + " on " + b.device() + " (copy one with .to(Device))");
    }

    public static void floatingPoint(String op, Tensor t) {
        if (!t.dtype().isFloatingPoint())
            throw new IllegalArgumentException(op + ": needs a floating-point tensor, got " + describe(t));
    }

    public static void integral(String op, String what, Tensor t) {
        if (t.dtype() != DType.INT32 && t.dtype() != DType.INT64)
            throw new IllegalArgumentException(op + ": " + what + " must be INT32 or INT64, got " + describe(t));
    }

    public static void rank(String op, String what, Tensor t, int... allowed) {
        for (int r : allowed) if (t.rank() == r) return;
        throw new IllegalArgumentException(op + ": " + what + " must have rank " + joinOr(allowed) + ", got " + describe(t));
    }

    public static void shapeEquals(String op, String what, Tensor t, Shape expected) {
        if (!t.shape().equals(expected))
            throw new IllegalArgumentException(op + ": " + what + " must have shape " + expected + ", got " + t.shape());
    }

    static String describe(Tensor t) {
        return t.shape() + " " + t.dtype().shortName();
    }

    private static String joinOr(int[] values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) sb.append(i == 0 ? "" : i == values.length - 1 ? " or " : ", ").append(values[i]);
        return sb.toString();
    }

    /** Resolves a possibly negative axis to {@code [0, rank)}; throws naming the op, the axis and the shape. */
    public static int axis(String op, Shape shape, int axis) {
        if (axis < -shape.rank() || axis >= shape.rank())
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for shape " + shape + " (rank " + shape.rank() + ")");
        return axis < 0 ? axis + shape.rank() : axis;
    }

    // ---- broadcasting and elementwise --------------------------------------------------------

    /** NumPy broadcasting: align from the right; sizes must be equal or one of them 1. */
    public static Shape broadcast(String op, Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.rank() ? 1 : a.dim(i - (r - a.rank()));
            int db = i < r - b.rank() ? 1 : b.dim(i - (r - b.rank()));
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException(op + ": shapes " + a + " and " + b + " cannot be broadcast: dimension "
                        + (i - r) + " is " + da + " vs " + db + " (sizes must match or one must be 1)");
            out[i] = da == 1 ? db : da;
        }
        return Shape.of(out);
    }

    /** Checks that {@code from} can be expanded to {@code to} (right-aligned, size-1 dims stretch). */
    public static void expandable(String op, Shape from, Shape to) {
        if (from.rank() > to.rank())
            throw new IllegalArgumentException(op + ": cannot expand " + from + " to lower rank " + to);
        int off = to.rank() - from.rank();
        for (int i = 0; i < from.rank(); i++) {
            if (from.dim(i) != to.dim(i + off) && from.dim(i) != 1)
                throw new IllegalArgumentException(op + ": cannot expand " + from + " to " + to + ": dimension " + i
                        + " has size " + from.dim(i) + " (only size-1 dimensions expand)");
        }
    }

    public static void unary(UnaryOp op, Tensor x) {
        switch (op) {
            case NEG, ABS, SIGN, SQUARE, RELU, CLAMP -> { }
            case EXP, LOG, SQRT, RSQRT, RECIPROCAL, LEAKY_RELU, SIGMOID, TANH, ELU, GELU, SOFTPLUS -> floatingPoint(op.opName(), x);
        }
    }

    // ---- reductions --------------------------------------------------------------------------

    /** Normalises, sorts and de-duplicates reduction axes; an empty array means all axes. */
    public static int[] reduceAxes(String op, Shape shape, int[] axes) {
        if (axes == null || axes.length == 0) {
            int[] all = new int[shape.rank()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return all;
        }
        int[] norm = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            int a = axes[i];
            if (a < -shape.rank() || a >= shape.rank())
                throw new IllegalArgumentException(op + ": axis " + a + " is out of range for shape " + shape + " (rank " + shape.rank() + ")");
            norm[i] = a < 0 ? a + shape.rank() : a;
        }
        Arrays.sort(norm);
        for (int i = 1; i < norm.length; i++)
            if (norm[i] == norm[i - 1])
                throw new IllegalArgumentException(op + ": axis " + norm[i] + " is repeated in " + Arrays.toString(axes));
        return norm;
    }

    /** The reduced shape with size-1 dims kept. */
    public static Shape reducedKeepDim(Shape shape, int[] sortedAxes) {
        int[] d = shape.toArray();
        for (int a : sortedAxes) d[a] = 1;
        return Shape.of(d);
    }

    /** The reduced shape with the reduced dims removed. */
    public static Shape reducedDropDim(Shape shape, int[] sortedAxes) {
        int[] d = new int[shape.rank() - sortedAxes.length];
        int j = 0;
        for (int i = 0, k = 0; i < shape.rank(); i++) {
            if (k < sortedAxes.length && sortedAxes[k] == i) k++;
            else d[j++] = shape.dim(i);
        }
        return Shape.of(d);
    }

    public static void nonEmptyReduction(String op, Shape shape, int[] axes) {
        for (int a : axes)
            if (shape.dim(a) == 0)
                throw new IllegalArgumentException(op + ": cannot reduce over empty dimension " + a + " of shape " + shape + " (no identity element)");
    }

    // ---- matmul ------------------------------------------------------------------------------

    /**
     * Output shape of {@code a @ b} with NumPy semantics: 1-D operands are promoted (a to [1,k], b to
     * [k,1]) and the added dimension removed again; batch dimensions broadcast.
     */
    public static Shape matmul(Shape a, Shape b) {
        if (a.rank() == 0 || b.rank() == 0)
            throw new IllegalArgumentException("matmul: operands must have rank >= 1, got a" + a + " @ b" + b);
        int k1 = a.dim(-1);
        int k2 = b.rank() == 1 ? b.dim(0) : b.dim(-2);
        if (k1 != k2)
            throw new IllegalArgumentException("matmul: inner dimensions differ: a" + a + " @ b" + b + " (a.dim(-1)=" + k1
                    + ", b.dim(" + (b.rank() == 1 ? "0" : "-2") + ")=" + k2 + ")");
        Shape aBatch = a.rank() > 2 ? Shape.of(Arrays.copyOf(a.toArray(), a.rank() - 2)) : Shape.scalar();
        Shape bBatch = b.rank() > 2 ? Shape.of(Arrays.copyOf(b.toArray(), b.rank() - 2)) : Shape.scalar();
        Shape batch = broadcastBatch(a, b, aBatch, bBatch);
        int[] out = Arrays.copyOf(batch.toArray(), batch.rank() + 2);
        out[batch.rank()] = a.rank() == 1 ? 1 : a.dim(-2);
        out[batch.rank() + 1] = b.rank() == 1 ? 1 : b.dim(-1);
        if (a.rank() == 1 && b.rank() == 1) return Shape.scalar();
        if (a.rank() == 1) return Shape.of(dropAt(out, batch.rank()));
        if (b.rank() == 1) return Shape.of(dropAt(out, batch.rank() + 1));
        return Shape.of(out);
    }

    private static Shape broadcastBatch(Shape a, Shape b, Shape aBatch, Shape bBatch) {
        try {
            return broadcast("matmul", aBatch, bBatch);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("matmul: batch dimensions of a" + a + " and b" + b + " cannot be broadcast ("
                    + aBatch + " vs " + bBatch + ")");
        }
    }

    private static int[] dropAt(int[] d, int i) {
        int[] r = new int[d.length - 1];
        System.arraycopy(d, 0, r, 0, i);
        System.arraycopy(d, i + 1, r, i, d.length - i - 1);
        return r;
    }

    // ---- views -------------------------------------------------------------------------------

    /** Resolves one {@code -1} and checks the element count. */
    public static Shape reshape(Shape from, int[] dims) {
        int infer = -1;
        long known = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == -1) {
                if (infer >= 0)
                    throw new IllegalArgumentException("reshape: only one dimension may be -1, got " + Arrays.toString(dims));
                infer = i;
            } else if (dims[i] < 0) {
                throw new IllegalArgumentException("reshape: invalid size " + dims[i] + " in " + Arrays.toString(dims));
            } else {
                known *= dims[i];
            }
        }
        int[] out = dims.clone();
        if (infer >= 0) {
            if (known == 0 || from.numel() % known != 0)
                throw new IllegalArgumentException("reshape: cannot infer -1 in " + Arrays.toString(dims) + " for " + from.numel()
                        + " elements of " + from);
            out[infer] = (int) (from.numel() / known);
        } else if (known != from.numel()) {
            throw new IllegalArgumentException("reshape: " + from + " has " + from.numel() + " elements, " + Arrays.toString(dims)
                    + " has " + known);
        }
        return Shape.of(out);
    }

    public static int[] permutation(Shape shape, int[] perm) {
        if (perm.length != shape.rank())
            throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " has " + perm.length
                    + " axes, tensor " + shape + " has rank " + shape.rank());
        int[] norm = new int[perm.length];
        boolean[] seen = new boolean[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int a = axis("permute", shape, perm[i]);
            if (seen[a]) throw new IllegalArgumentException("permute: axis " + a + " repeated in " + Arrays.toString(perm));
            seen[a] = true;
            norm[i] = a;
        }
        return norm;
    }

    public static void narrow(Shape shape, int axis, int start, int length) {
        int n = shape.dim(axis("narrow", shape, axis));
        if (start < 0 || length < 0 || start + length > n)
            throw new IllegalArgumentException("narrow: range [" + start + ", " + (start + length) + ") is outside [0, " + n
                    + ") of axis " + axis + " of " + shape);
    }

    public static void slice(Shape shape, int axis, int start, int end, int step) {
        if (step < 1) throw new IllegalArgumentException("slice: step must be >= 1, got " + step);
        int n = shape.dim(axis("slice", shape, axis));
        if (start < 0 || end > n || start > end)
            throw new IllegalArgumentException("slice: range [" + start + ", " + end + ") is outside [0, " + n
                    + "] of axis " + axis + " of " + shape);
    }

    /** All shapes equal except along {@code axis}; returns the concatenated shape. */
    public static Shape concat(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) throw new IllegalArgumentException("concat: needs at least one tensor");
        Tensor first = parts.get(0);
        if (first.rank() == 0) throw new IllegalArgumentException("concat: cannot concatenate scalars (use stack)");
        int ax = axis("concat", first.shape(), axis);
        int total = 0;
        for (Tensor t : parts) {
            sameDTypeAndDevice("concat", first, t);
            if (t.rank() != first.rank())
                throw new IllegalArgumentException("concat: ranks differ: " + first.shape() + " vs " + t.shape());
            for (int i = 0; i < t.rank(); i++)
                if (i != ax && t.shape().dim(i) != first.shape().dim(i))
                    throw new IllegalArgumentException("concat: shapes " + first.shape() + " and " + t.shape()
                            + " differ in dimension " + i + " (only axis " + ax + " may differ)");
            total += t.shape().dim(ax);
        }
        return first.shape().withDim(ax, total);
    }

    // ---- convolution and pooling ---------------------------------------------------------------

    /** y shape of conv2d; x [N,C,H,W], w [K, C/groups, R, S]. */
    public static Shape conv2d(Shape x, Shape w, Conv2dParams p) {
        if (x.rank() != 4) throw new IllegalArgumentException("conv2d: input must be 4-D [N, C, H, W], got " + x);
        if (w.rank() != 4) throw new IllegalArgumentException("conv2d: weight must be 4-D [K, C/groups, R, S], got " + w);
        int c = x.dim(1), k = w.dim(0), g = p.groups();
        if (c % g != 0)
            throw new IllegalArgumentException("conv2d: input " + x + " has " + c + " channels, not divisible by groups=" + g);
        if (k % g != 0)
            throw new IllegalArgumentException("conv2d: weight " + w + " has " + k + " output channels, not divisible by groups=" + g);
        if (w.dim(1) * g != c)
            throw new IllegalArgumentException("conv2d: input " + x + " has " + c + " channels, weight " + w + " expects "
                    + (w.dim(1) * g) + (g > 1 ? " (" + w.dim(1) + " per group × groups=" + g + ")" : ""));
        int oh = Conv2dParams.outputSize(x.dim(2), w.dim(2), p.strideH(), p.padH(), p.dilationH());
        int ow = Conv2dParams.outputSize(x.dim(3), w.dim(3), p.strideW(), p.padW(), p.dilationW());
        if (oh <= 0 || ow <= 0)
            throw new IllegalArgumentException("conv2d: output size (" + oh + ", " + ow + ") is not positive for input " + x
                    + ", kernel (" + w.dim(2) + ", " + w.dim(3) + "), " + p
                    + ": out = floor((in + 2·pad − dilation·(k − 1) − 1)/stride) + 1");
        return Shape.of(x.dim(0), k, oh, ow);
    }

    /** y shape of convTranspose2d; x [N, Cin, H, W], w [Cin, Cout/groups, R, S]. */
    public static Shape convTranspose2d(Shape x, Shape w, ConvTranspose2dParams tp) {
        Conv2dParams p = tp.conv();
        if (x.rank() != 4) throw new IllegalArgumentException("convTranspose2d: input must be 4-D [N, C, H, W], got " + x);
        if (w.rank() != 4)
            throw new IllegalArgumentException("convTranspose2d: weight must be 4-D [Cin, Cout/groups, R, S], got " + w);
        int g = p.groups();
        if (w.dim(0) != x.dim(1))
            throw new IllegalArgumentException("convTranspose2d: input " + x + " has " + x.dim(1) + " channels, weight " + w
                    + " expects " + w.dim(0));
        if (x.dim(1) % g != 0)
            throw new IllegalArgumentException("convTranspose2d: input " + x + " has " + x.dim(1)
                    + " channels, not divisible by groups=" + g);
        int oh = ConvTranspose2dParams.outputSize(x.dim(2), w.dim(2), p.strideH(), p.padH(), p.dilationH(), tp.outputPadH());
        int ow = ConvTranspose2dParams.outputSize(x.dim(3), w.dim(3), p.strideW(), p.padW(), p.dilationW(), tp.outputPadW());
        if (oh <= 0 || ow <= 0)
            throw new IllegalArgumentException("convTranspose2d: output size (" + oh + ", " + ow + ") is not positive for input "
                    + x + ", kernel (" + w.dim(2) + ", " + w.dim(3) + "), " + p + ", output padding (" + tp.outputPadH() + ", "
                    + tp.outputPadW() + ")");
        return Shape.of(x.dim(0), w.dim(1) * g, oh, ow);
    }

    public static Shape pool2d(Shape x, Pool2dParams p) {
        if (x.rank() != 4) throw new IllegalArgumentException("pool2d: input must be 4-D [N, C, H, W], got " + x);
        if (p.kernelH() > x.dim(2) + 2 * p.padH() || p.kernelW() > x.dim(3) + 2 * p.padW())
            throw new IllegalArgumentException("pool2d: kernel (" + p.kernelH() + ", " + p.kernelW() + ") is larger than the padded input "
                    + x + " with padding (" + p.padH() + ", " + p.padW() + ")");
        int oh = Pool2dParams.outputSize(x.dim(2), p.kernelH(), p.strideH(), p.padH());
        int ow = Pool2dParams.outputSize(x.dim(3), p.kernelW(), p.strideW(), p.padW());
        return Shape.of(x.dim(0), x.dim(1), oh, ow);
    }

    /** Per-channel parameter shape {@code [C]} for batch norm on {@code [N, C]} or {@code [N, C, H, W]}. */
    public static int batchNormChannels(Shape x) {
        if (x.rank() != 2 && x.rank() != 4)
            throw new IllegalArgumentException("batchNorm: input must be [N, C] or [N, C, H, W], got " + x);
        return x.dim(1);
    }
}
