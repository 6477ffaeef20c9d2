package dev.dendrite.cuda;

import java.util.Arrays;

/**
 * Grid and block sizes for our kernels: pure arithmetic, tested on the CPU.
 *
 * <p>Note [Grid-stride loops]
 * Every elementwise kernel loops {@code for (i = blockIdx.x·blockDim.x + threadIdx.x; i < n;
 * i += gridDim.x·blockDim.x)}, so any grid covers any n. The grid is capped (a few waves of
 * blocks per multiprocessor) rather than sized to n: past that, more blocks only add scheduling
 * overhead, and the cap keeps {@code gridDim.x} far below the hardware limit of 2³¹ − 1 for
 * element counts up to {@code Long.MAX_VALUE}. {@code gridDim.y} and {@code gridDim.z} are limited
 * to 65535 by the hardware; kernels that use them loop the same way over rows.
 *
 * @param grid  {@code gridDim} x, y, z
 * @param block {@code blockDim} x, y, z
 * @param sharedBytes dynamic shared memory per block
 */
public record LaunchGeometry(int[] grid, int[] block, int sharedBytes) {
    /** Hardware limit of gridDim.x (compute capability ≥ 3.0). */
    public static final int MAX_GRID_X = Integer.MAX_VALUE;
    /** Hardware limit of gridDim.y and gridDim.z. */
    public static final int MAX_GRID_YZ = 65535;
    /** Hardware limit of threads per block. */
    public static final int MAX_THREADS_PER_BLOCK = 1024;
    /** Default threads per block of elementwise kernels: 8 warps. */
    public static final int DEFAULT_BLOCK = 256;
    /** Blocks per multiprocessor that the grid-stride cap allows. */
    public static final int WAVES_PER_SM = 32;

    public LaunchGeometry {
        if (grid.length != 3 || block.length != 3)
            throw new IllegalArgumentException("launch geometry: grid and block need 3 components, got " + Arrays.toString(grid)
                    + ", " + Arrays.toString(block));
        for (int g : grid) if (g < 1) throw new IllegalArgumentException("launch geometry: grid " + Arrays.toString(grid) + " has a zero");
        for (int b : block) if (b < 1) throw new IllegalArgumentException("launch geometry: block " + Arrays.toString(block) + " has a zero");
        if ((long) block[0] * block[1] * block[2] > MAX_THREADS_PER_BLOCK)
            throw new IllegalArgumentException("launch geometry: block " + Arrays.toString(block) + " exceeds " + MAX_THREADS_PER_BLOCK + " threads");
        if (grid[1] > MAX_GRID_YZ || grid[2] > MAX_GRID_YZ)
            throw new IllegalArgumentException("launch geometry: grid " + Arrays.toString(grid) + " exceeds " + MAX_GRID_YZ + " in y or z");
        if (sharedBytes < 0) throw new IllegalArgumentException("launch geometry: shared memory " + sharedBytes + " < 0");
        grid = grid.clone();
        block = block.clone();
    }

    /** Total threads launched. */
    public long threads() {
        return (long) grid[0] * grid[1] * grid[2] * block[0] * block[1] * block[2];
    }

    /**
     * A 1-D grid-stride launch for {@code n} elements: {@code block} threads per block and
     * {@code ceil(n / block)} blocks, capped at {@code maxBlocks} (at least one block, even for n = 0,
     * so that callers need not special-case empty work — the kernel's loop then runs zero times).
     */
    public static LaunchGeometry linear(long n, int block, int maxBlocks) {
        if (n < 0) throw new IllegalArgumentException("launch geometry: negative element count " + n);
        checkBlock(block);
        if (maxBlocks < 1) throw new IllegalArgumentException("launch geometry: maxBlocks must be >= 1, got " + maxBlocks);
        long blocks = (n + block - 1) / block;
        int g = (int) Math.max(1, Math.min(blocks, maxBlocks));
        return new LaunchGeometry(new int[]{g, 1, 1}, new int[]{block, 1, 1}, 0);
    }

    /** {@link #linear(long, int, int)} with the default block and the cap for {@code multiprocessors} SMs. */
    public static LaunchGeometry linear(long n, int multiprocessors) {
        return linear(n, DEFAULT_BLOCK, gridStrideCap(multiprocessors));
    }

    /** The grid-stride cap: {@value #WAVES_PER_SM} blocks per multiprocessor (at least one). */
    public static int gridStrideCap(int multiprocessors) {
        return (int) Math.min(MAX_GRID_X, (long) Math.max(multiprocessors, 1) * WAVES_PER_SM);
    }

    /**
     * One block per row (row reductions, softmax, cross-entropy): {@code block} threads cooperate on
     * a row of {@code cols} elements, {@code rows} spread over gridDim.x (capped at
     * {@code maxBlocks}; the kernel strides over rows), with {@code sharedBytesPerThread·block}
     * bytes of shared memory for the block's partial results. The block is the smallest power of two
     * ≥ min(cols, block) and at least one warp, so narrow rows do not idle 7 of 8 warps.
     */
    public static LaunchGeometry perRow(long rows, long cols, int block, int maxBlocks, int sharedBytesPerThread) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("launch geometry: negative rows/cols " + rows + "x" + cols);
        checkBlock(block);
        if (Integer.bitCount(block) != 1) throw new IllegalArgumentException("launch geometry: row block " + block + " is not a power of two");
        int threads = 32;
        while (threads < block && threads < cols) threads <<= 1;
        int g = (int) Math.max(1, Math.min(rows, maxBlocks));
        return new LaunchGeometry(new int[]{g, 1, 1}, new int[]{threads, 1, 1}, threads * sharedBytesPerThread);
    }

    /**
     * A 2-D launch over a {@code rows × cols} matrix: x covers columns ({@code blockX} threads),
     * y covers rows ({@code blockY} threads), both capped (y at 65535) and grid-strided.
     */
    public static LaunchGeometry grid2d(long rows, long cols, int blockX, int blockY, int maxBlocksX) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("launch geometry: negative rows/cols " + rows + "x" + cols);
        checkBlock(blockX);
        checkBlock(blockY);
        long gx = Math.max(1, Math.min((cols + blockX - 1) / blockX, maxBlocksX));
        long gy = Math.max(1, Math.min((rows + blockY - 1) / blockY, MAX_GRID_YZ));
        return new LaunchGeometry(new int[]{(int) gx, (int) gy, 1}, new int[]{blockX, blockY, 1}, 0);
    }

    private static void checkBlock(int block) {
        if (block < 1 || block > MAX_THREADS_PER_BLOCK)
            throw new IllegalArgumentException("launch geometry: block size " + block + " outside [1, " + MAX_THREADS_PER_BLOCK + "]");
    }

    /** {@code grid=[4096], block=[256]} (trailing 1s omitted), for error messages. */
    @Override
    public String toString() {
        return "grid=" + trim(grid) + ", block=" + trim(block) + (sharedBytes > 0 ? ", shared=" + sharedBytes + " B" : "");
    }

    private static String trim(int[] v) {
        int n = v[2] != 1 ? 3 : v[1] != 1 ? 2 : 1;
        return Arrays.toString(Arrays.copyOf(v, n));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LaunchGeometry g && Arrays.equals(grid, g.grid) && Arrays.equals(block, g.block) && sharedBytes == g.sharedBytes;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(grid) + Arrays.hashCode(block)) + sharedBytes;
    }
}
