package dev.dendrite.cuda;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching device-memory allocator: freed blocks go to a free list of their size class and are
 * handed out again without a driver call; only when the device (or the configured limit) is full
 * are cached blocks really released and the allocation retried. Live and peak bytes are counted
 * in requested size-class bytes.
 *
 * <p>Note [Stream-ordered reuse]
 * The backend issues all work on one stream, so a block freed by the host while kernels that use
 * it are still queued can be handed to the next op at once: that op's work is queued behind them.
 * Only a real release ({@link Memory#release}) needs the stream idle, so {@link #emptyCache} and
 * the out-of-memory retry synchronise first. Freeing is explicit ({@code Backend.free}); the garbage
 * collector never frees device memory.
 *
 * <p>The device side is abstract ({@link Memory}) so that the bookkeeping is tested on the CPU.
 *
 * @param <B> the device's block handle
 */
public final class CudaAllocator<B> {
    private static final Logger log = LoggerFactory.getLogger(CudaAllocator.class);

    /** Requests up to this size are rounded to {@value #SMALL_GRANULE}-byte multiples. */
    public static final long SMALL_LIMIT = 1L << 20;
    /** Granule of small requests (cuMemAlloc aligns to 256 B anyway; 512 B keeps the class count low). */
    public static final long SMALL_GRANULE = 512;
    /** Granule of large requests: 2 MiB, the driver's own allocation granularity. */
    public static final long LARGE_GRANULE = 2L << 20;

    /** The device operations the allocator needs. */
    public interface Memory<B> {
        /** Allocates {@code bytes} of device memory; returns null when the device is out of memory. */
        B allocate(long bytes);

        /** Returns a block to the device. */
        void release(B block);

        /** Waits until no queued work can still use memory (before real releases). */
        void synchronize();

        /** Free and total device bytes, for messages. */
        long[] info();

        /** The device, for messages: {@code GPU 0 (NVIDIA H100 80GB HBM3)}. */
        String describe();
    }

    private final Memory<B> memory;
    private final long limitBytes;
    private final TreeMap<Long, ArrayDeque<B>> free = new TreeMap<>();
    private final Map<B, Long> liveBlocks = new HashMap<>();
    private long liveBytes, peakBytes, cachedBytes, allocations, cacheHits;

    /**
     * @param memory     the device
     * @param limitBytes at most this many bytes live plus cached ({@code Long.MAX_VALUE}: the device's own limit)
     */
    public CudaAllocator(Memory<B> memory, long limitBytes) {
        if (limitBytes <= 0) throw new IllegalArgumentException("cuda allocator: memory limit must be > 0, got " + limitBytes);
        this.memory = memory;
        this.limitBytes = limitBytes;
    }

    /** The size class of a request: 512-byte multiples up to 1 MiB, 2 MiB multiples above (at least 512 bytes). */
    public static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("cuda allocator: negative size " + bytes);
        long b = Math.max(bytes, 1);
        long g = b <= SMALL_LIMIT ? SMALL_GRANULE : LARGE_GRANULE;
        return (b + g - 1) / g * g;
    }

    /**
     * A block of at least {@code bytes}. Throws {@link IllegalStateException} naming the request, the
     * device and the live/peak/cached bytes when neither the cache nor the device can serve it.
     */
    public synchronized B allocate(long bytes, String what) {
        long size = sizeClass(bytes);
        ArrayDeque<B> list = free.get(size);
        B block;
        if (list != null && !list.isEmpty()) {
            block = list.pop();
            cachedBytes -= size;
            cacheHits++;
        } else {
            block = fresh(size, bytes, what);
        }
        liveBlocks.put(block, size);
        liveBytes += size;
        peakBytes = Math.max(peakBytes, liveBytes);
        allocations++;
        return block;
    }

    private B fresh(long size, long bytes, String what) {
        if (liveBytes + cachedBytes + size > limitBytes && cachedBytes > 0) emptyCache();
        if (liveBytes + size > limitBytes) throw outOfMemory(bytes, size, what, "the limit dendrite.cuda.memoryLimit=" + limitBytes + " bytes");
        B block = memory.allocate(size);
        if (block == null && cachedBytes > 0) {
            log.debug("cuda allocator: device full for {} bytes, releasing {} cached bytes and retrying", size, cachedBytes);
            emptyCache();
            block = memory.allocate(size);
        }
        if (block == null) throw outOfMemory(bytes, size, what, "the device's memory");
        return block;
    }

    private IllegalStateException outOfMemory(long bytes, long size, String what, String exceeded) {
        long[] info = memory.info();
        return new IllegalStateException(String.format(Locale.ROOT,
                "cuda: out of memory allocating %s (%d bytes, size class %d) for %s on %s: %s is exhausted; live %s, peak %s, "
                        + "cached %s, device free %s of %s. Free tensors sooner (MemoryScope), use a smaller batch, or raise "
                        + "-Ddendrite.cuda.memoryLimit",
                human(bytes), bytes, size, what, memory.describe(), exceeded, human(liveBytes), human(peakBytes), human(cachedBytes),
                human(info[0]), human(info[1])));
    }

    /** Returns a block to its size class's free list (see Note [Stream-ordered reuse]). */
    public synchronized void free(B block) {
        Long size = liveBlocks.remove(block);
        if (size == null) throw new IllegalStateException("cuda allocator: block " + block + " freed twice or never allocated here");
        liveBytes -= size;
        cachedBytes += size;
        free.computeIfAbsent(size, k -> new ArrayDeque<>()).push(block);
    }

    /** Releases every cached block to the device (after waiting for the stream). */
    public synchronized void emptyCache() {
        if (cachedBytes == 0) return;
        memory.synchronize();
        for (ArrayDeque<B> list : free.values()) for (B b : list) memory.release(b);
        free.clear();
        cachedBytes = 0;
    }

    /**
     * Releases everything. Live blocks at this point are leaks of their owners; they are released
     * too and reported in the returned count.
     *
     * @return the number of blocks that were still live
     */
    public synchronized int close() {
        emptyCache();
        int leaked = liveBlocks.size();
        if (leaked > 0) {
            memory.synchronize();
            log.warn("cuda allocator closed with {} live blocks ({} bytes)", leaked, liveBytes);
            for (B b : liveBlocks.keySet()) memory.release(b);
            liveBlocks.clear();
            liveBytes = 0;
        }
        return leaked;
    }

    public synchronized long liveBytes() {
        return liveBytes;
    }

    public synchronized long peakBytes() {
        return peakBytes;
    }

    public synchronized long cachedBytes() {
        return cachedBytes;
    }

    public synchronized long allocations() {
        return allocations;
    }

    public synchronized long cacheHits() {
        return cacheHits;
    }

    public long limitBytes() {
        return limitBytes;
    }

    /** Parses {@code 8g}, {@code 512m}, {@code 1048576}; null or blank means no limit ({@code Long.MAX_VALUE}). */
    public static long parseLimit(String text) {
        if (text == null || text.isBlank()) return Long.MAX_VALUE;
        String t = text.trim().toLowerCase(Locale.ROOT);
        long mult = 1;
        char last = t.charAt(t.length() - 1);
        if (last == 'b') t = t.substring(0, t.length() - 1);
        last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        switch (last) {
            case 'k' -> mult = 1L << 10;
            case 'm' -> mult = 1L << 20;
            case 'g' -> mult = 1L << 30;
            case 't' -> mult = 1L << 40;
            default -> { }
        }
        if (mult > 1) t = t.substring(0, t.length() - 1);
        try {
            double v = Double.parseDouble(t.trim());
            if (!(v > 0)) throw new NumberFormatException();
            return (long) Math.min(v * mult, (double) Long.MAX_VALUE);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("dendrite.cuda.memoryLimit: cannot parse '" + text + "' (use bytes or a k/m/g suffix, e.g. 6g)");
        }
    }

    /** {@code 1.5 GiB}, {@code 512 B}. */
    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
