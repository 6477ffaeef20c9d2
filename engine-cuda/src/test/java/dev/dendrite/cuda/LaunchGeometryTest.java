package dev.dendrite.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class LaunchGeometryTest {

    /** Runs a grid-stride loop the way the kernels do and counts how often each index is visited. */
    private static int[] visits(LaunchGeometry g, int n) {
        int[] count = new int[n];
        long threads = (long) g.grid()[0] * g.block()[0];
        for (long t = 0; t < threads; t++)
            for (long i = t; i < n; i += threads) count[(int) i]++;
        return count;
    }

    @Test
    void gridStrideCoversEveryElementExactlyOnce() {
        for (int n : new int[]{0, 1, 31, 32, 255, 256, 257, 1000, 65537}) {
            for (int cap : new int[]{1, 3, 64, 1 << 20}) {
                LaunchGeometry g = LaunchGeometry.linear(n, 128, cap);
                assertTrue(g.grid()[0] >= 1 && g.grid()[0] <= cap, g::toString);
                for (int c : visits(g, n)) assertEquals(1, c, () -> "n=" + n + " " + g);
            }
        }
    }

    @Test
    void linearSizesAndCaps() {
        assertEquals("grid=[4096], block=[256]", LaunchGeometry.linear(1 << 20, 256, 1 << 20).toString());
        assertEquals(132 * 32, LaunchGeometry.linear(1L << 40, 132).grid()[0], "H100: 132 SMs x 32 blocks");
        assertEquals(1, LaunchGeometry.linear(0, 256, 10).grid()[0]);
        assertEquals(3, LaunchGeometry.linear(513, 256, 10).grid()[0]);
        assertEquals(32, LaunchGeometry.gridStrideCap(0), "at least one SM's worth");
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.linear(-1, 256, 1));
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.linear(10, 2048, 1));
    }

    @Test
    void perRowBlocksShrinkForNarrowRowsAndStayPowersOfTwo() {
        LaunchGeometry narrow = LaunchGeometry.perRow(1000, 10, 256, 4096, 8);
        assertEquals(32, narrow.block()[0], "at least a warp");
        assertEquals(1000, narrow.grid()[0]);
        assertEquals(256, narrow.sharedBytes());
        LaunchGeometry wide = LaunchGeometry.perRow(7, 100_000, 256, 4096, 4);
        assertEquals(256, wide.block()[0]);
        assertEquals(7, wide.grid()[0]);
        assertEquals(128, LaunchGeometry.perRow(3, 100, 256, 10, 0).block()[0], "smallest power of two >= 100");
        assertEquals(10, LaunchGeometry.perRow(1_000_000, 100, 256, 10, 0).grid()[0], "capped, kernel strides over rows");
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.perRow(1, 1, 100, 1, 0));
    }

    @Test
    void grid2dCapsYAt65535() {
        LaunchGeometry g = LaunchGeometry.grid2d(10_000_000, 70, 32, 8, 1000);
        assertArrayEquals(new int[]{3, 65535, 1}, g.grid());
        assertEquals("grid=[3, 65535], block=[32, 8]", g.toString());
        assertThrows(IllegalArgumentException.class, () -> new LaunchGeometry(new int[]{1, 70000, 1}, new int[]{1, 1, 1}, 0));
        assertThrows(IllegalArgumentException.class, () -> new LaunchGeometry(new int[]{1, 1, 1}, new int[]{32, 32, 2}, 0));
    }
}
