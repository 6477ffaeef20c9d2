package dev.dendrite;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.dendrite.TensorAsserts.ALL;
import static dev.dendrite.TensorAsserts.assertExact;
import static dev.dendrite.TensorAsserts.permutedView;
import static dev.dendrite.TensorAsserts.steppedView;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Views and layout ops against the textbook twin, for every dtype and for strided inputs. */
class ViewOpsTest {
    private static final Nd X = Nd.randomInts(1, -50, 50, 2, 3, 4);

    /** The same values as a contiguous tensor, a permuted view and a stepped (offset) view. */
    private static List<Tensor> layouts(Nd values, DType dt) {
        return List.of(values.tensor(dt), permutedView(values, dt), steppedView(values, dt));
    }

    private static String error(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }

    @Test
    void stridedBuildersReallyAreStrided() {
        assertFalse(permutedView(X, DType.FLOAT32).isContiguous());
        assertFalse(steppedView(X, DType.FLOAT32).isContiguous());
        assertExact("permuted view", X, permutedView(X, DType.INT32));
        assertExact("stepped view", X, steppedView(X, DType.INT64));
    }

    @Test
    void reshapeKeepsRowMajorOrderForAnyLayout() {
        for (DType dt : ALL)
            for (Tensor t : layouts(X, dt)) {
                String w = "reshape of " + TensorAsserts.describe(t);
                assertExact(w, X.reshape(6, 4), t.reshape(6, 4));
                assertExact(w, X.reshape(4, 6), t.reshape(-1, 6));
                assertExact(w, X.reshape(24), t.reshape(-1));
                assertExact(w, X.reshape(2, 12), t.reshape(2, -1));
                assertExact(w, X.reshape(1, 24, 1), t.reshape(1, -1, 1));
                assertExact(w, X, t.reshape(2, 3, 4));
                assertExact(w, X.reshape(24), t.reshape(Shape.of(24)));
            }
    }

    @Test
    void reshapeOfAContiguousTensorIsAView() {
        Tensor base = Tensor.zeros(Shape.of(2, 3), DType.FLOAT64);
        Tensor v = base.reshape(3, 2);
        base.fillInPlace(4);
        assertArrayEquals(new double[]{4, 4, 4, 4, 4, 4}, v.toDoubleArray());
    }

    @Test
    void reshapeOfScalarsAndEmptyTensors() {
        Tensor s = Tensor.scalar(5, DType.FLOAT32);
        assertEquals(Shape.of(1, 1), s.reshape(1, 1).shape());
        assertEquals(5, s.reshape(1, -1).item());
        assertEquals(Shape.scalar(), Tensor.ones(1, 1).reshape().shape());
        assertEquals(Shape.of(3, 0), Tensor.zeros(0, 3).reshape(3, 0).shape());
        assertEquals(Shape.of(0, 5), Tensor.zeros(Shape.of(2, 0, 5), DType.INT32).reshape(0, 5).shape());
        assertEquals("reshape: [2, 3, 4] has 24 elements, [5, 5] has 25",
                error(() -> X.tensor(DType.FLOAT32).reshape(5, 5)));
    }

    @Test
    void permuteAndTranspose() {
        for (DType dt : ALL)
            for (Tensor t : layouts(X, dt)) {
                String w = "permute of " + TensorAsserts.describe(t);
                assertExact(w, X.permute(2, 0, 1), t.permute(2, 0, 1));
                assertExact(w, X.permute(1, 2, 0), t.permute(-2, -1, 0));
                assertExact(w, X.permute(0, 1, 2), t.permute(0, 1, 2));
                assertExact(w, X.permute(2, 1, 0), t.transpose(0, 2));
                assertExact(w, X.permute(0, 2, 1), t.transpose(-1, 1));
                assertExact(w, X.permute(1, 0, 2).permute(2, 0, 1), t.transpose(0, 1).permute(2, 0, 1));
            }
        assertEquals(Shape.scalar(), Tensor.scalar(1, DType.FLOAT32).permute().shape());
        assertEquals("permute: [1, 0] has 2 axes, tensor [2, 3, 4] has rank 3", error(() -> X.tensor(DType.FLOAT32).permute(1, 0)));
        assertEquals("permute: axis 1 repeated in [1, 1, 0]", error(() -> X.tensor(DType.FLOAT32).permute(1, 1, 0)));
    }

    @Test
    void permuteIsAViewSharingStorage() {
        Tensor base = Tensor.zeros(Shape.of(2, 3), DType.INT32);
        Tensor v = base.transpose(0, 1);
        assertFalse(v.isContiguous());
        base.fillInPlace(3);
        assertArrayEquals(new int[]{3, 3, 3, 3, 3, 3}, v.toIntArray());
    }

    @Test
    void sliceNarrowAndSelect() {
        for (DType dt : ALL)
            for (Tensor t : layouts(X, dt)) {
                String w = "slice of " + TensorAsserts.describe(t);
                assertExact(w, X.slice(2, 1, 4, 2), t.slice(2, 1, 4, 2));
                assertExact(w, X.slice(2, 0, 4, 3), t.slice(-1, 0, 4, 3));
                assertExact(w, X.slice(1, 0, 3, 2), t.slice(1, 0, 3, 2));
                assertExact(w, X.slice(0, 1, 2, 1), t.slice(0, 1, 2, 1));
                assertExact(w, X.slice(1, 2, 2, 1), t.slice(1, 2, 2, 1));
                assertExact(w, X.slice(1, 1, 3, 1), t.narrow(1, 1, 2));
                assertExact(w, X.slice(2, 3, 4, 1), t.narrow(-1, 3, 1));
                assertExact(w, X.slice(1, 3, 3, 1), t.narrow(1, 3, 0));
                assertExact(w, X.slice(1, 2, 3, 1).reshape(2, 4), t.select(1, 2));
                assertExact(w, X.slice(0, 1, 2, 1).reshape(3, 4), t.select(0, 1));
                assertExact(w, X.slice(2, 0, 1, 1).reshape(2, 3), t.select(-1, 0));
                // Slices of slices compose their steps and offsets.
                assertExact(w, X.slice(2, 1, 4, 2).slice(1, 1, 3, 1), t.slice(2, 1, 4, 2).slice(1, 1, 3, 1));
            }
        Tensor v = Tensor.arange(0, 5, 1, DType.FLOAT64);
        assertEquals(3, v.select(0, 3).item());
        assertEquals(Shape.scalar(), v.select(0, 3).shape());
    }

    @Test
    void selectSqueezeAndUnsqueezeAreViewsEvenOfStridedTensors() {
        Tensor base = Tensor.zeros(Shape.of(3, 4), DType.FLOAT64);
        Tensor t = base.transpose(0, 1);
        Tensor col = t.select(1, 2), row = t.select(0, 1);
        Tensor un = t.unsqueeze(1), sq = t.unsqueeze(0).squeeze(0);
        assertFalse(un.isContiguous());
        base.fillInPlace(6);
        assertArrayEquals(new double[]{6, 6, 6, 6}, col.toDoubleArray());
        assertArrayEquals(new double[]{6, 6, 6}, row.toDoubleArray());
        assertEquals(72, un.sum().item());
        assertEquals(72, sq.sum().item());
        assertEquals(Shape.of(4, 1, 3), un.shape());
    }

    @Test
    void sliceIsAView() {
        Tensor base = Tensor.zeros(Shape.of(6), DType.FLOAT32);
        Tensor odd = base.slice(0, 1, 6, 2);
        base.fillInPlace(2);
        assertArrayEquals(new float[]{2, 2, 2}, odd.toFloatArray());
    }

    @Test
    void viewErrorsNameTheOpAndValues() {
        Tensor t = X.tensor(DType.FLOAT32);
        assertEquals("slice: step must be >= 1, got 0", error(() -> t.slice(1, 0, 3, 0)));
        assertEquals("slice: range [0, 5) is outside [0, 4] of axis 2 of [2, 3, 4]", error(() -> t.slice(2, 0, 5, 1)));
        assertEquals("narrow: range [2, 5) is outside [0, 3) of axis 1 of [2, 3, 4]", error(() -> t.narrow(1, 2, 3)));
        assertEquals("narrow: range [2, 1) is outside [0, 3) of axis 1 of [2, 3, 4]", error(() -> t.narrow(1, 2, -1)));
        assertEquals("select: index 3 out of range [0, 3) of axis 1 of [2, 3, 4]", error(() -> t.select(1, 3)));
        assertEquals("select: index -1 out of range [0, 3) of axis 1 of [2, 3, 4]", error(() -> t.select(1, -1)));
        assertEquals("squeeze: dimension 1 of [2, 3, 4] has size 3, not 1", error(() -> t.squeeze(1)));
        assertEquals("unsqueeze: axis 4 out of range for result rank 4", error(() -> t.unsqueeze(4)));
        assertEquals("expand: cannot expand [2, 3, 4] to [2, 5, 4]: dimension 1 has size 3 (only size-1 dimensions expand)",
                error(() -> t.expand(2, 5, 4)));
        assertEquals("expand: cannot expand [2, 3, 4] to lower rank [3, 4]", error(() -> t.expand(3, 4)));
        // Axes out of range name the op.
        assertEquals("slice: axis 3 is out of range for shape [2, 3, 4] (rank 3)", error(() -> t.slice(3, 0, 1, 1)));
        assertEquals("narrow: axis -4 is out of range for shape [2, 3, 4] (rank 3)", error(() -> t.narrow(-4, 0, 1)));
        assertEquals("select: axis 3 is out of range for shape [2, 3, 4] (rank 3)", error(() -> t.select(3, 0)));
        assertEquals("transpose: axis 3 is out of range for shape [2, 3, 4] (rank 3)", error(() -> t.transpose(0, 3)));
        assertEquals("squeeze: axis 5 is out of range for shape [2, 3, 4] (rank 3)", error(() -> t.squeeze(5)));
        assertEquals("flatten: axis 3 is out of range for shape [2, 3, 4] (rank 3)", error(() -> t.flatten(3)));
        assertEquals("split: axis 3 is out of range for shape [2, 3, 4] (rank 3)", error(() -> t.split(3, 1)));
        assertEquals("chunk: axis -5 is out of range for shape [2, 3, 4] (rank 3)", error(() -> t.chunk(2, -5)));
    }

    @Test
    void concatStackSplitChunk() {
        Nd a = Nd.randomInts(2, -9, 9, 2, 3, 4), b = Nd.randomInts(3, -9, 9, 2, 1, 4), c = Nd.randomInts(4, -9, 9, 2, 2, 4);
        for (DType dt : ALL) {
            Tensor ta = permutedView(a, dt), tb = b.tensor(dt), tc = steppedView(c, dt);
            assertExact("concat " + dt, Nd.concat(List.of(a, b, c), 1), Tensor.concat(List.of(ta, tb, tc), 1));
            assertExact("concat -2 " + dt, Nd.concat(List.of(a, b, c), 1), Tensor.concat(List.of(ta, tb, tc), -2));
            assertExact("concat 0 " + dt, Nd.concat(List.of(a, a), 0), Tensor.concat(List.of(ta, a.tensor(dt)), 0));
            assertExact("concat with empty " + dt, Nd.concat(List.of(a, c), 1),
                    Tensor.concat(List.of(ta, Tensor.zeros(Shape.of(2, 0, 4), dt), tc), 1));
            // stack = unsqueeze then concat.
            assertExact("stack 0 " + dt, Nd.concat(List.of(a.reshape(1, 2, 3, 4), a.reshape(1, 2, 3, 4)), 0),
                    Tensor.stack(List.of(ta, a.tensor(dt)), 0));
            Nd aLast = a.reshape(2, 3, 4, 1);
            assertExact("stack -1 " + dt, Nd.concat(List.of(aLast, aLast.map(x -> -x)), 3),
                    Tensor.stack(List.of(ta, ta.neg()), -1));
            List<Tensor> parts = ta.split(1, 1, 0, 2);
            assertEquals(3, parts.size());
            assertExact("split 0 " + dt, a.slice(1, 0, 1, 1), parts.get(0));
            assertExact("split 1 " + dt, a.slice(1, 1, 1, 1), parts.get(1));
            assertExact("split 2 " + dt, a.slice(1, 1, 3, 1), parts.get(2));
            List<Tensor> chunks = ta.chunk(3, -1);
            assertEquals(2, chunks.size(), "4 in chunks of ceil(4/3) = 2");
            assertExact("chunk 0 " + dt, a.slice(2, 0, 2, 1), chunks.get(0));
            assertExact("chunk 1 " + dt, a.slice(2, 2, 4, 1), chunks.get(1));
            List<Tensor> uneven = tc.chunk(3, 2);
            assertEquals(List.of(Shape.of(2, 2, 2), Shape.of(2, 2, 2)), uneven.stream().map(Tensor::shape).toList());
        }
        List<Tensor> fives = Tensor.arange(5).chunk(3, 0);
        assertEquals(3, fives.size());
        assertArrayEquals(new long[]{4}, fives.get(2).toLongArray());
        Tensor s = Tensor.stack(List.of(Tensor.scalar(1, DType.FLOAT64), Tensor.scalar(2, DType.FLOAT64)), 0);
        assertArrayEquals(new double[]{1, 2}, s.toDoubleArray());
    }

    @Test
    void concatStackSplitErrors() {
        Tensor t = X.tensor(DType.FLOAT32);
        assertEquals("concat: shapes [2, 3, 4] and [2, 3, 5] differ in dimension 2 (only axis 1 may differ)",
                error(() -> Tensor.concat(List.of(t, Tensor.zeros(2, 3, 5)), 1)));
        assertEquals("concat: dtypes differ: [2, 3, 4] float32 vs [2, 3, 4] float64 (convert one with .to(DType))",
                error(() -> Tensor.concat(List.of(t, X.tensor(DType.FLOAT64)), 0)));
        assertEquals("stack: shapes differ: [2, 3, 4] vs [2, 3]", error(() -> Tensor.stack(List.of(t, Tensor.zeros(2, 3)), 0)));
        assertEquals("stack: needs at least one tensor", error(() -> Tensor.stack(List.of(), 0)));
        assertEquals("split: sizes [1, 1] sum to 2, axis 1 of [2, 3, 4] has 3", error(() -> t.split(1, 1, 1)));
        assertEquals("split: negative size in [4, -1]", error(() -> t.split(1, 4, -1)));
        assertEquals("chunk: chunks must be >= 1, got 0", error(() -> t.chunk(0, 1)));
    }

    @Test
    void expandAndBroadcastToUseStrideZero() {
        Nd col = Nd.randomInts(5, -9, 9, 3, 1);
        for (DType dt : ALL) {
            for (Tensor t : layouts(col, dt)) {
                assertExact("expand " + dt, col.expand(3, 4), t.expand(3, 4));
                assertExact("expand new leading dims " + dt, col.expand(2, 3, 4), t.expand(2, 3, 4));
                assertExact("broadcastTo " + dt, col.expand(2, 3, 1), t.broadcastTo(Shape.of(2, 3, 1)));
            }
            Tensor s = Tensor.scalar(7, dt);
            assertExact("expand scalar " + dt, new Nd(new int[]{2, 3}, new double[]{7, 7, 7, 7, 7, 7}), s.expand(2, 3));
            assertExact("expand to empty " + dt, Nd.zeros(0, 3), Tensor.ones(Shape.of(1, 3), dt).expand(0, 3));
        }
        Tensor base = Tensor.zeros(Shape.of(1, 3), DType.FLOAT64);
        Tensor e = base.expand(1000, 3);
        assertFalse(e.isContiguous());
        base.fillInPlace(1);
        assertEquals(3000, e.sum().item(), "a view: the 1000 rows all read the one stored row");
    }

    @Test
    void contiguousCopiesOnlyWhenNeeded() {
        for (DType dt : ALL) {
            Tensor c = X.tensor(dt);
            assertTrue(c.contiguous() == c);
            Tensor p = permutedView(X, dt);
            Tensor pc = p.contiguous();
            assertTrue(pc.isContiguous());
            assertExact("contiguous " + dt, X, pc);
            Tensor sc = steppedView(X, dt).contiguous();
            assertTrue(sc.isContiguous());
            assertExact("contiguous stepped " + dt, X, sc);
            assertExact("copy " + dt, X, p.copy());
        }
        Tensor base = Tensor.zeros(Shape.of(2, 2), DType.FLOAT64);
        Tensor copy = base.copy();
        base.fillInPlace(5);
        assertArrayEquals(new double[4], copy.toDoubleArray(), "copy() owns its storage");
    }

    @Test
    void squeezeUnsqueezeFlatten() {
        for (DType dt : ALL)
            for (Tensor t : layouts(X, dt)) {
                String w = TensorAsserts.describe(t);
                assertExact("unsqueeze 0 " + w, X.reshape(1, 2, 3, 4), t.unsqueeze(0));
                assertExact("unsqueeze 2 " + w, X.reshape(2, 3, 1, 4), t.unsqueeze(2));
                assertExact("unsqueeze -1 " + w, X.reshape(2, 3, 4, 1), t.unsqueeze(-1));
                assertExact("unsqueeze -4 " + w, X.reshape(1, 2, 3, 4), t.unsqueeze(-4));
                assertExact("squeeze " + w, X, t.unsqueeze(1).squeeze(1));
                assertExact("squeeze -1 " + w, X, t.unsqueeze(-1).squeeze(-1));
                assertExact("flatten 0 " + w, X.reshape(24), t.flatten(0));
                assertExact("flatten 1 " + w, X.reshape(2, 12), t.flatten(1));
                assertExact("flatten -1 " + w, X, t.flatten(-1));
            }
        assertEquals(Shape.of(1), Tensor.scalar(1, DType.FLOAT32).unsqueeze(0).shape());
        assertEquals(Shape.of(1), Tensor.scalar(1, DType.FLOAT32).unsqueeze(-1).shape());
        assertEquals(Shape.scalar(), Tensor.ones(1).squeeze(0).shape());
        assertEquals(Shape.of(2, 0), Tensor.zeros(2, 0, 3).flatten(1).shape());
        assertEquals(Shape.of(0), Tensor.zeros(2, 0, 3).flatten(0).shape());
    }

    @Test
    void dtypeConversion() {
        Nd v = new Nd(new int[]{2, 2}, new double[]{1.75, -2.5, 3, -0.25});
        Tensor f = v.tensor(DType.FLOAT64);
        assertTrue(f.to(DType.FLOAT64) == f);
        assertExact("to float32", v, f.to(DType.FLOAT32));
        assertExact("to int32", new Nd(new int[]{2, 2}, new double[]{1, -2, 3, 0}), f.to(DType.INT32));
        assertExact("to int64 of a transposed view", new Nd(new int[]{2, 2}, new double[]{1, 3, -2, 0}), f.transpose(0, 1).to(DType.INT64));
        assertExact("int to float", new Nd(new int[]{2, 2}, new double[]{1, 3, -2, 0}),
                f.transpose(0, 1).to(DType.INT64).to(DType.FLOAT32));
        assertEquals(Device.CPU, f.to(Device.CPU).device());
    }
}
