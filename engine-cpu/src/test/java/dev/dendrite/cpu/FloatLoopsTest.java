package dev.dendrite.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dendrite.ops.BinaryOp;
import dev.dendrite.ops.UnaryOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The float fast path against its textbook twin: {@link ElementMath} in double, rounded to float
 * once (what the backend computed before the fast path existed). Note [Exact float fast path] says
 * the two agree bit for bit; these tests check exactly that, for the scalar and (when the module is
 * readable, as under Maven) the Vector API loops, on special values, every segment length around
 * the vector width, and steps 0, 1 and 3.
 */
class FloatLoopsTest {
    /** NaN, ±0, ±∞, subnormals, ties, extremes, and ordinary values. */
    private static final float[] SPECIAL = {Float.NaN, 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 0.5f, 3f, -2.5f,
            1e-30f, -7e20f, Float.intBitsToFloat(0x7fc00001), 2f, 2f, -0f};

    private static List<FloatLoops> implementations() {
        List<FloatLoops> l = new ArrayList<>();
        l.add(ScalarFloatLoops.INSTANCE);
        if (FloatLoops.isVectorized()) l.add(VectorFloatLoops.create());
        return l;
    }

    /** Values for operand {@code which}: the special values in two rotations, then random ones. */
    private static float[] values(int n, int which, Random rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            int j = i * (which == 0 ? 1 : 7) + which;
            a[i] = i < 3 * SPECIAL.length ? SPECIAL[j % SPECIAL.length] : (float) (rnd.nextGaussian() * 10);
        }
        return a;
    }

    private static void assertBits(String what, float expected, float actual) {
        // Every NaN counts as NaN (ElementMath may canonicalise a NaN payload); everything else bit for bit.
        if (Float.isNaN(expected) && Float.isNaN(actual)) return;
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                what + ": expected " + expected + " got " + actual);
    }

    private static final int[] LENGTHS = {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100};

    @Test
    void binaryOpsMatchDoubleRoundedOnce() {
        Random rnd = new Random(1);
        for (FloatLoops loops : implementations())
            for (BinaryOp op : BinaryOp.values()) {
                if (!FloatLoops.isExactBinary(op)) continue;
                for (int n : LENGTHS)
                    for (int[] steps : new int[][]{{1, 1}, {1, 0}, {0, 1}, {3, 1}, {1, 2}}) {
                        float[] a = values(Math.max(1, n * steps[0]), 0, rnd), b = values(Math.max(1, n * steps[1]), 1, rnd);
                        float[] y = new float[n + 2];
                        y[0] = y[n + 1] = 42f;
                        loops.binary(op, a, 0, steps[0], b, 0, steps[1], y, 1, 1, n);
                        double[] da = new double[n], db = new double[n], dy = new double[n];
                        for (int i = 0; i < n; i++) {
                            da[i] = a[i * steps[0]];
                            db[i] = b[i * steps[1]];
                        }
                        ElementMath.binary(op, da, db, dy, n);
                        String what = loops.getClass().getSimpleName() + " " + op + " n=" + n + " steps " + steps[0] + "," + steps[1];
                        for (int i = 0; i < n; i++) assertBits(what + " [" + i + "] " + da[i] + ", " + db[i], (float) dy[i], y[i + 1]);
                        assertEquals(42f, y[0], what + ": wrote before the segment");
                        assertEquals(42f, y[n + 1], what + ": wrote past the segment");
                    }
            }
    }

    @Test
    void unaryOpsMatchDoubleRoundedOnce() {
        Random rnd = new Random(2);
        double lo = -0.3, hi = 2.7;   // not floats: the loops get them rounded, which is exact (Note [Exact float fast path])
        for (FloatLoops loops : implementations())
            for (UnaryOp op : UnaryOp.values()) {
                if (!FloatLoops.isExactUnary(op)) continue;
                for (int n : LENGTHS)
                    for (int step : new int[]{1, 0, 3}) {
                        float[] x = values(Math.max(1, n * step), 0, rnd), y = new float[n];
                        loops.unary(op, x, 0, step, y, 0, 1, n, (float) lo, (float) hi);
                        double[] dx = new double[n], dy = new double[n];
                        for (int i = 0; i < n; i++) dx[i] = x[i * step];
                        ElementMath.unary(op, dx, dy, n, lo, hi);
                        for (int i = 0; i < n; i++)
                            assertBits(loops.getClass().getSimpleName() + " " + op + " n=" + n + " step " + step + " x=" + dx[i], (float) dy[i], y[i]);
                    }
            }
    }

    @Test
    void doubleScalarsAreAppliedInDouble() {
        Random rnd = new Random(3);
        double[] scalars = {0.1, 1.0 / 3, -0.999, 1e-8, 0.9, Math.sqrt(2), 1e300};
        for (FloatLoops loops : implementations())
            for (BinaryOp op : new BinaryOp[]{BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV})
                for (double s : scalars)
                    for (boolean first : new boolean[]{false, true})
                        for (int n : LENGTHS) {
                            float[] x = values(n, 0, rnd), y = new float[n];
                            loops.scaleDouble(op, x, 0, 1, s, first, y, 0, 1, n);
                            double[] dx = new double[n], ds = new double[n], dy = new double[n];
                            for (int i = 0; i < n; i++) {
                                dx[i] = x[i];
                                ds[i] = s;
                            }
                            if (first) ElementMath.binary(op, ds, dx, dy, n);
                            else ElementMath.binary(op, dx, ds, dy, n);
                            for (int i = 0; i < n; i++)
                                assertBits(loops.getClass().getSimpleName() + " " + op + " s=" + s + (first ? " first" : "") + " x=" + x[i],
                                        (float) dy[i], y[i]);
                        }
    }

    /** The fast path is not trivially the same as float arithmetic with the scalar rounded: 0.1 is not a float. */
    @Test
    void aDoubleScalarDiffersFromItsFloatRounding() {
        // 13 · 0.1 = 1.3000000000000000444 rounds to the float 1.29999995; 13f · 0.1f = 1.30000001 in float.
        float x = 13f;
        assertEquals(1.3f, (float) (x * 0.1));
        assertTrue((float) (x * 0.1) != x * (float) 0.1, "the test above would not tell double from float scalars");
        for (FloatLoops loops : implementations()) {
            float[] y = new float[1];
            loops.scaleDouble(BinaryOp.MUL, new float[]{x}, 0, 1, 0.1, false, y, 0, 1, 1);
            assertEquals(1.3f, y[0], loops.getClass().getSimpleName());
        }
    }

    @Test
    void inPlaceUpdatesReadBeforeWriting() {
        for (FloatLoops loops : implementations()) {
            float[] a = new float[37], b = new float[37];
            for (int i = 0; i < a.length; i++) {
                a[i] = i;
                b[i] = 2 * i + 1;
            }
            loops.binary(BinaryOp.SUB, a, 0, 1, b, 0, 1, a, 0, 1, a.length);
            for (int i = 0; i < a.length; i++) assertEquals(-i - 1f, a[i], loops.getClass().getSimpleName() + " [" + i + "]");
        }
    }
}
