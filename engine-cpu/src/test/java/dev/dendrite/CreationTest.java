package dev.dendrite;

import dev.dendrite.random.Philox;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.dendrite.TensorAsserts.ALL;
import static dev.dendrite.TensorAsserts.assertExact;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Creation, host copies, item() and toString on the CPU backend. */
class CreationTest {

    private static Nd filled(double value, int... shape) {
        double[] v = new double[Nd.numel(shape)];
        Arrays.fill(v, value);
        return new Nd(shape, v);
    }

    @Test
    void zerosOnesAndFullForEveryDTypeAndShape() {
        int[][] shapes = {{}, {1}, {5}, {2, 3}, {2, 0, 3}, {0}, {3, 1, 2}};
        for (DType dt : ALL)
            for (int[] shape : shapes) {
                String what = dt + " " + Arrays.toString(shape);
                Tensor z = Tensor.zeros(Shape.of(shape), dt);
                assertEquals(dt, z.dtype());
                assertEquals(Device.CPU, z.device());
                assertTrue(z.isContiguous(), what);
                assertExact("zeros " + what, filled(0, shape), z);
                assertExact("ones " + what, filled(1, shape), Tensor.ones(Shape.of(shape), dt));
                assertExact("full " + what, filled(-7, shape), Tensor.full(Shape.of(shape), -7, dt));
            }
        assertEquals(DType.FLOAT32, Tensor.zeros(2, 3).dtype());
        assertEquals(DType.FLOAT32, Tensor.ones(2, 3).dtype());
        assertExact("ones(2,3)", filled(1, 2, 3), Tensor.ones(2, 3));
    }

    @Test
    void fullRoundsToTheDType() {
        assertEquals((float) 0.1, Tensor.full(Shape.of(1), 0.1, DType.FLOAT32).toFloatArray()[0]);
        assertEquals(0.1, Tensor.full(Shape.of(1), 0.1, DType.FLOAT64).toDoubleArray()[0]);
        // Integer dtypes truncate toward zero like a cast.
        assertArrayEquals(new int[]{2, 2}, Tensor.full(Shape.of(2), 2.9, DType.INT32).toIntArray());
        assertArrayEquals(new long[]{-2}, Tensor.full(Shape.of(1), -2.9, DType.INT64).toLongArray());
        assertEquals(3.5, Tensor.scalar(3.5, DType.FLOAT64).item());
        assertEquals(0, Tensor.scalar(3.5, DType.FLOAT64).rank());
        assertEquals(3.5, Tensor.scalar(3.5, DType.FLOAT32, Device.CPU).item());
        assertEquals(Device.CPU, Tensor.zeros(Shape.of(2), DType.FLOAT32, Device.CPU).device());
    }

    @Test
    void arangeCountsUpToButExcludingEnd() {
        assertArrayEquals(new long[]{0, 1, 2, 3, 4}, Tensor.arange(5).toLongArray());
        assertEquals(DType.INT64, Tensor.arange(5).dtype());
        assertArrayEquals(new double[]{0, 3, 6, 9}, Tensor.arange(0, 10, 3, DType.FLOAT64).toDoubleArray());
        assertArrayEquals(new double[]{5, 4, 3, 2, 1}, Tensor.arange(5, 0, -1, DType.FLOAT64).toDoubleArray());
        assertArrayEquals(new float[]{0.5f, 0.75f, 1f, 1.25f}, Tensor.arange(0.5, 1.5, 0.25, DType.FLOAT32).toFloatArray());
        assertArrayEquals(new int[]{-3, -1, 1}, Tensor.arange(-3, 2, 2, DType.INT32).toIntArray());
        assertArrayEquals(new long[]{2, 5}, Tensor.arange(2, 7, 3, DType.INT64).toLongArray());
        assertEquals(Shape.of(0), Tensor.arange(0, -1, 1, DType.FLOAT32).shape());
        assertEquals(Shape.of(0), Tensor.arange(0).shape());
        // Ten steps of 0.1: each element start + i·step, no accumulated drift.
        double[] tenths = Tensor.arange(0, 1, 0.1, DType.FLOAT64).toDoubleArray();
        assertEquals(10, tenths.length);
        for (int i = 0; i < 10; i++) assertEquals(i * 0.1, tenths[i]);
        assertEquals("arange: step must be non-zero, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 1, 0, DType.FLOAT32)).getMessage());
        assertEquals("arange: step must be non-zero, got NaN",
                assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 1, Double.NaN, DType.FLOAT32)).getMessage());
    }

    @Test
    void fromArrayForEveryDType() {
        Tensor f = Tensor.fromArray(new float[]{1.5f, -2, 3, 4, 5, 6}, 2, 3);
        assertEquals(DType.FLOAT32, f.dtype());
        assertEquals(Shape.of(2, 3), f.shape());
        assertArrayEquals(new float[]{1.5f, -2, 3, 4, 5, 6}, f.toFloatArray());
        Tensor d = Tensor.fromArray(new double[]{0.1, 0.2}, 2);
        assertEquals(DType.FLOAT64, d.dtype());
        assertArrayEquals(new double[]{0.1, 0.2}, d.toDoubleArray());
        Tensor i = Tensor.fromArray(new int[]{Integer.MIN_VALUE, 0, Integer.MAX_VALUE}, 3);
        assertEquals(DType.INT32, i.dtype());
        assertArrayEquals(new int[]{Integer.MIN_VALUE, 0, Integer.MAX_VALUE}, i.toIntArray());
        Tensor l = Tensor.fromArray(new long[]{Long.MIN_VALUE, 1L << 40, Long.MAX_VALUE}, 3, 1);
        assertEquals(DType.INT64, l.dtype());
        assertArrayEquals(new long[]{Long.MIN_VALUE, 1L << 40, Long.MAX_VALUE}, l.toLongArray());
        Tensor s = Tensor.fromArray(new double[]{4.25});
        assertEquals(Shape.scalar(), s.shape());
        assertEquals(4.25, s.item());
        Tensor o = Tensor.fromArray((Object) new long[]{7, 8}, Shape.of(2, 1), Device.CPU);
        assertEquals(DType.INT64, o.dtype());
        assertArrayEquals(new long[]{7, 8}, o.toLongArray());
        assertEquals(Shape.of(0, 4), Tensor.fromArray(new float[0], 0, 4).shape());
    }

    @Test
    void fromArrayCopiesTheHostData() {
        double[] data = {1, 2, 3};
        Tensor t = Tensor.fromArray(data, 3);
        data[0] = 99;
        assertArrayEquals(new double[]{1, 2, 3}, t.toDoubleArray());
        double[] out = t.toDoubleArray();
        out[1] = 99;
        assertArrayEquals(new double[]{1, 2, 3}, t.toDoubleArray());
    }

    @Test
    void fromArrayErrors() {
        assertEquals("fromArray: 5 values cannot fill shape [2, 3] (6 elements)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new float[5], 2, 3)).getMessage());
        assertEquals("fromArray: unsupported host array type short[]",
                assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new short[2], Shape.of(2), Device.CPU)).getMessage());
        assertEquals("fromArray: unsupported host array type null",
                assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(null, Shape.of(2), Device.CPU)).getMessage());
    }

    @Test
    void hostCopiesConvertBetweenDTypes() {
        Tensor f = Tensor.fromArray(new float[]{1.75f, -2.5f, 3e9f}, 3);
        assertArrayEquals(new double[]{1.75, -2.5, 3e9}, f.toDoubleArray());
        assertArrayEquals(new long[]{1, -2, 3_000_000_000L}, f.toLongArray());
        // float → int32 truncates toward zero and saturates instead of wrapping.
        assertArrayEquals(new int[]{1, -2, Integer.MAX_VALUE}, f.toIntArray());
        Tensor l = Tensor.fromArray(new long[]{3, -4}, 2);
        assertArrayEquals(new float[]{3, -4}, l.toFloatArray());
        assertArrayEquals(new double[]{3, -4}, l.toDoubleArray());
        assertArrayEquals(new int[]{3, -4}, l.toIntArray());
        Tensor d = Tensor.fromArray(new double[]{0.1}, 1);
        assertArrayEquals(new float[]{0.1f}, d.toFloatArray());
        // Host copies of a strided view come out in row-major order of the view.
        Tensor t = Tensor.fromArray(new double[]{0, 1, 2, 3, 4, 5}, 2, 3).transpose(0, 1);
        assertArrayEquals(new double[]{0, 3, 1, 4, 2, 5}, t.toDoubleArray());
        assertArrayEquals(new long[]{0, 3, 1, 4, 2, 5}, t.toLongArray());
    }

    @Test
    void itemReadsTheOneElement() {
        assertEquals(2.5, Tensor.fromArray(new float[]{2.5f}, 1, 1).item());
        assertEquals(-3, Tensor.fromArray(new int[]{-3}).item());
        assertEquals(5, Tensor.arange(0, 6, 1, DType.FLOAT64).narrow(0, 5, 1).item());
        assertEquals("item: tensor [2] has 2 elements, not 1",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2).item()).getMessage());
        assertEquals("item: tensor [0] has 0 elements, not 1",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(0).item()).getMessage());
    }

    @Test
    void randIsPhiloxKeyedBySeedAndElementIndex() {
        for (DType dt : TensorAsserts.FLOATS) {
            Tensor a = Tensor.rand(Shape.of(3, 5), 42, dt);
            Tensor b = Tensor.rand(Shape.of(3, 5), 42, dt);
            assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), "same seed, same values");
            assertFalse(Arrays.equals(a.toDoubleArray(), Tensor.rand(Shape.of(3, 5), 43, dt).toDoubleArray()), "another seed");
            for (double v : a.toDoubleArray()) assertTrue(v >= 0 && v < 1, "in [0,1): " + v);
        }
        float[] f = new float[15];
        Philox.fillUniform(42, 0, 0, f, 0, 15, 0f, 1f);
        assertArrayEquals(f, Tensor.rand(Shape.of(3, 5), 42, DType.FLOAT32).toFloatArray());
        double[] d = new double[15];
        Philox.fillUniform(42, 0, 0, d, 0, 15, 0.0, 1.0);
        assertArrayEquals(d, Tensor.rand(Shape.of(3, 5), 42, DType.FLOAT64).toDoubleArray());
        double[] ranged = new double[6];
        Philox.fillUniform(7, 3, 0, ranged, 0, 6, -2.0, 5.0);
        assertArrayEquals(ranged, Tensor.rand(Shape.of(2, 3), 7, 3, -2, 5, DType.FLOAT64, null).toDoubleArray());
    }

    @Test
    void randOverManyChunksMatchesOneSequentialFill() {
        // More than two of the backend's 16384-element chunks, filled in parallel: values depend only on the index.
        int n = 40_003;
        float[] f = new float[n];
        Philox.fillUniform(9, 0, 0, f, 0, n, 0f, 1f);
        assertArrayEquals(f, Tensor.rand(Shape.of(n), 9, DType.FLOAT32).toFloatArray());
        double[] g = new double[n];
        Philox.fillNormal(9, 0, 0, g, 0, n, 0, 1);
        assertArrayEquals(g, Tensor.randn(Shape.of(n), 9, DType.FLOAT64).toDoubleArray());
    }

    @Test
    void randnIsPhiloxBoxMuller() {
        float[] f = new float[7];
        Philox.fillNormal(5, 0, 0, f, 0, 7, 0, 1);
        assertArrayEquals(f, Tensor.randn(Shape.of(7), 5, DType.FLOAT32).toFloatArray());
        assertArrayEquals(f, Tensor.randn(Shape.of(7), 5, DType.FLOAT32).toFloatArray());
        double[] d = new double[12];
        Philox.fillNormal(5, 2, 0, d, 0, 12, 3, 0.5);
        assertArrayEquals(d, Tensor.randn(Shape.of(3, 4), 5, 2, 3, 0.5, DType.FLOAT64, null).toDoubleArray());
        assertFalse(Arrays.equals(d, Tensor.randn(Shape.of(3, 4), 6, 2, 3, 0.5, DType.FLOAT64, null).toDoubleArray()));
        assertEquals(Shape.scalar(), Tensor.randn(Shape.scalar(), 1, DType.FLOAT64).shape());
    }

    @Test
    void randomCreationNeedsAFloatingDType() {
        assertEquals("rand: dtype must be FLOAT32 or FLOAT64, got INT32",
                assertThrows(IllegalArgumentException.class, () -> Tensor.rand(Shape.of(2), 1, DType.INT32)).getMessage());
        assertEquals("randn: dtype must be FLOAT32 or FLOAT64, got INT64",
                assertThrows(IllegalArgumentException.class, () -> Tensor.randn(Shape.of(2), 1, DType.INT64)).getMessage());
    }

    @Test
    void toStringShowsMetadataAndAPreview() {
        assertEquals("Tensor[2, 3] float32 cpu [0.000, 1.000, 2.000, 3.000, 4.000, 5.000]",
                Tensor.arange(0, 6, 1, DType.FLOAT32).reshape(2, 3).toString());
        assertEquals("Tensor[3] int64 cpu [-1, 0, 7]", Tensor.fromArray(new long[]{-1, 0, 7}, 3).toString());
        assertEquals("Tensor[] float64 cpu [0.1000]", Tensor.scalar(0.1, DType.FLOAT64).toString());
        assertEquals("Tensor[0, 2] int32 cpu []", Tensor.zeros(Shape.of(0, 2), DType.INT32).toString());
        // Only the first 8 values, in row-major order of the view, then an ellipsis.
        assertEquals("Tensor[3, 4] float64 cpu [0.000, 3.000, 6.000, 9.000, 1.000, 4.000, 7.000, 10.00, ...]",
                Tensor.arange(0, 12, 1, DType.FLOAT64).reshape(4, 3).transpose(0, 1).toString());
        assertEquals("Tensor[2] float64 cpu requiresGrad [1.000, 1.235e+04]",
                Tensor.fromArray(new double[]{1, 12345}, 2).requiresGrad(true).toString());
        Tensor x = Tensor.fromArray(new double[]{1, 2}, 2).requiresGrad(true);
        assertEquals("Tensor[2] float64 cpu grad_fn=mul [2.000, 4.000]", x.mul(2).toString());
        Tensor closed = Tensor.zeros(2);
        closed.close();
        assertEquals("Tensor[2] float32 cpu (freed)", closed.toString());
    }

    @Test
    void toStringDoesNotPinTheStorage() {
        try (MemoryScope ignored = MemoryScope.open()) {
            MemoryStats stats = Tensor.memoryStats(Engine.backend("cpu"));
            long before = stats.liveBytes();
            Tensor big = Tensor.zeros(Shape.of(1000), DType.FLOAT64);
            assertTrue(big.toString().endsWith(", ...]"));
            Tensor strided = Tensor.zeros(Shape.of(50, 40), DType.FLOAT64).transpose(0, 1);
            assertTrue(strided.toString().endsWith(", ...]"));
            big.close();
            strided.close();
            assertEquals(before + 50 * 40 * 8, stats.liveBytes(), "only the base of the transposed view is left: " + stats);
        }
    }
}
