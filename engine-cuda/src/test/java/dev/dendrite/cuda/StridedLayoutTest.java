package dev.dendrite.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class StridedLayoutTest {

    /** Offsets of every element in row-major order, as the kernels compute them (dd_offset). */
    private static List<Long> offsets(int[] shape, int[] strides, long base) {
        List<Long> out = new ArrayList<>();
        long n = 1;
        for (int d : shape) n *= d;
        for (long i = 0; i < n; i++) {
            long rem = i, off = base;
            for (int d = shape.length - 1; d >= 0; d--) {
                off += rem % shape[d] * strides[d];
                rem /= shape[d];
            }
            out.add(off);
        }
        return out;
    }

    @Test
    void contiguousBecomesRankOne() {
        StridedLayout.Coalesced c = StridedLayout.coalesce(new int[]{2, 3, 4}, new int[]{12, 4, 1}, new int[]{12, 4, 1});
        assertArrayEquals(new int[]{24}, c.shape());
        assertArrayEquals(new int[]{1}, c.strides()[0]);
        assertEquals(0, StridedLayout.coalesce(new int[]{1, 1}, new int[]{5, 7}).rank(), "a single element: rank 0");
    }

    @Test
    void broadcastAndTransposeKeepTheirDimensions() {
        // a [2,3] contiguous + b [3] broadcast along dim 0 -> y [2,3]: a and y could merge, b cannot.
        StridedLayout.Coalesced c = StridedLayout.coalesce(new int[]{2, 3}, new int[]{3, 1}, new int[]{0, 1}, new int[]{3, 1});
        assertArrayEquals(new int[]{2, 3}, c.shape());
        // A transposed source: no merge.
        StridedLayout.Coalesced t = StridedLayout.coalesce(new int[]{4, 5}, new int[]{1, 4}, new int[]{5, 1});
        assertEquals(2, t.rank());
    }

    @Test
    void randomLayoutsKeepEveryAddressInOrder() {
        Random rnd = new Random(3);
        for (int iter = 0; iter < 500; iter++) {
            int rank = rnd.nextInt(6);
            int[] shape = new int[rank];
            for (int i = 0; i < rank; i++) shape[i] = 1 + rnd.nextInt(3);
            int[][] strides = new int[3][rank];
            for (int k = 0; k < 3; k++) {
                int s = 1;
                for (int i = rank - 1; i >= 0; i--) {
                    strides[k][i] = rnd.nextInt(5) == 0 ? 0 : s * (rnd.nextInt(4) == 0 ? 2 : 1);
                    s *= shape[i] * 2;
                }
            }
            StridedLayout.Coalesced c = StridedLayout.coalesce(shape, strides);
            assertTrue(c.rank() <= rank);
            for (int k = 0; k < 3; k++)
                assertEquals(offsets(shape, strides[k], 0), offsets(c.shape(), c.strides()[k], 0), c::toString);
        }
    }

    @Test
    void rankAboveEightIsSplitIntoLaunches() {
        // 10 dims of size 2, a transposed-ish layout that cannot merge: strides alternate.
        int[] shape = new int[10], s = new int[10], d = new int[10];
        int acc = 1;
        for (int i = 9; i >= 0; i--) {
            shape[i] = 2;
            s[i] = acc * (i % 2 == 0 ? 3 : 1);
            d[i] = acc;
            acc *= 6;
        }
        StridedLayout.Coalesced c = StridedLayout.coalesce(shape, s, d);
        assertTrue(c.rank() > 8, c::toString);
        List<StridedLayout.Part> parts = StridedLayout.split(c);
        assertEquals(1 << (c.rank() - 8), parts.size());
        List<Long> all = new ArrayList<>();
        for (StridedLayout.Part p : parts) all.addAll(offsets(p.inner().shape(), p.inner().strides()[0], p.offsets()[0]));
        assertEquals(offsets(shape, s, 0), all, "the launches together visit every element in row-major order");
        assertArrayEquals(new int[]{5, 6, 0, 0, 0, 0, 0, 0}, StridedLayout.dims8(new int[]{5, 6}));
    }
}
