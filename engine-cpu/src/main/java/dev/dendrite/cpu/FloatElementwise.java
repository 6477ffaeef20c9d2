package dev.dendrite.cpu;

import dev.dendrite.DType;
import dev.dendrite.ops.BinaryOp;
import dev.dendrite.ops.UnaryOp;
import dev.dendrite.spi.View;

/**
 * The float32 fast path of {@link CpuBackend}'s elementwise ops: the same {@link StridedRows}
 * walk, but each segment goes straight through {@link FloatLoops} on the storage arrays instead of
 * being converted to and from {@code double} scratch buffers. Only ops whose float result is
 * identical to the double-then-round reference take it (Note [Exact float fast path] in
 * {@link FloatLoops}); each method returns false, having done nothing, for anything else.
 */
final class FloatElementwise {
    private FloatElementwise() {
    }

    private static float[] floats(View v) {
        return (float[]) CpuBackend.array(v);
    }

    /** {@code y = op(x)} when x is FLOAT32 and op is exact in float; false otherwise. */
    static boolean unary(UnaryOp op, View x, View y, double alpha, double beta) {
        if (x.dtype() != DType.FLOAT32 || y.dtype() != DType.FLOAT32 || !FloatLoops.isExactUnary(op)) return false;
        // Only CLAMP reads the bounds; rounding them first is exact (Note [Exact float fast path]).
        float lo = (float) alpha, hi = (float) beta;
        StridedRows rows = new StridedRows(y.shape(), new int[][]{x.strides(), y.strides()}, new int[]{x.offset(), y.offset()});
        float[] in = floats(x), out = floats(y);
        int xs = rows.innerStride(0), ys = rows.innerStride(1);
        FloatLoops loops = FloatLoops.get();
        rows.forEach((offs, len) -> loops.unary(op, in, offs[0], xs, out, offs[1], ys, len, lo, hi));
        return true;
    }

    /** {@code y = a op b} (broadcast views) when all are FLOAT32 and op is exact in float; false otherwise. */
    static boolean binary(BinaryOp op, View a, View b, View y) {
        if (a.dtype() != DType.FLOAT32 || b.dtype() != DType.FLOAT32 || y.dtype() != DType.FLOAT32 || !FloatLoops.isExactBinary(op))
            return false;
        StridedRows rows = new StridedRows(y.shape(), new int[][]{a.strides(), b.strides(), y.strides()},
                new int[]{a.offset(), b.offset(), y.offset()});
        float[] aa = floats(a), ba = floats(b), out = floats(y);
        int as = rows.innerStride(0), bs = rows.innerStride(1), ys = rows.innerStride(2);
        FloatLoops loops = FloatLoops.get();
        rows.forEach((offs, len) -> loops.binary(op, aa, offs[0], as, ba, offs[1], bs, out, offs[2], ys, len));
        return true;
    }

    /**
     * {@code y = a op s} (or {@code s op a}): in float when the scalar is a float value and op is
     * exact, in double lanes for the arithmetic ops with any other scalar; false otherwise.
     */
    static boolean binaryScalar(BinaryOp op, View a, double scalar, boolean scalarFirst, View y) {
        if (a.dtype() != DType.FLOAT32 || y.dtype() != DType.FLOAT32) return false;
        float fs = (float) scalar;
        boolean floatScalar = fs == scalar || Double.isNaN(scalar);
        boolean inFloat = floatScalar && FloatLoops.isExactBinary(op);
        if (!inFloat && !FloatLoops.isArithmetic(op)) return false;
        StridedRows rows = new StridedRows(y.shape(), new int[][]{a.strides(), y.strides()}, new int[]{a.offset(), y.offset()});
        float[] in = floats(a), out = floats(y), s = {fs};
        int as = rows.innerStride(0), ys = rows.innerStride(1);
        FloatLoops loops = FloatLoops.get();
        if (inFloat && scalarFirst)
            rows.forEach((offs, len) -> loops.binary(op, s, 0, 0, in, offs[0], as, out, offs[1], ys, len));
        else if (inFloat)
            rows.forEach((offs, len) -> loops.binary(op, in, offs[0], as, s, 0, 0, out, offs[1], ys, len));
        else
            rows.forEach((offs, len) -> loops.scaleDouble(op, in, offs[0], as, scalar, scalarFirst, out, offs[1], ys, len));
        return true;
    }
}
