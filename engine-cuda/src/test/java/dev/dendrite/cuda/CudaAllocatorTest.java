package dev.dendrite.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CudaAllocatorTest {
    /** A pretend device of {@code capacity} bytes that records every driver call. */
    static final class FakeDevice implements CudaAllocator.Memory<long[]> {
        final long capacity;
        long used;
        int allocs, releases, syncs;
        final List<String> events = new ArrayList<>();

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public long[] allocate(long bytes) {
            if (used + bytes > capacity) {
                events.add("fail " + bytes);
                return null;
            }
            used += bytes;
            allocs++;
            events.add("alloc " + bytes);
            return new long[]{bytes};
        }

        @Override
        public void release(long[] block) {
            used -= block[0];
            releases++;
            events.add("release " + block[0]);
        }

        @Override
        public void synchronize() {
            syncs++;
            events.add("sync");
        }

        @Override
        public long[] info() {
            return new long[]{capacity - used, capacity};
        }

        @Override
        public String describe() {
            return "GPU 0 (Fake)";
        }
    }

    @Test
    void sizeClasses() {
        assertEquals(512, CudaAllocator.sizeClass(0));
        assertEquals(512, CudaAllocator.sizeClass(1));
        assertEquals(1024, CudaAllocator.sizeClass(513));
        assertEquals(1L << 20, CudaAllocator.sizeClass(1L << 20));
        assertEquals(2L << 20, CudaAllocator.sizeClass((1L << 20) + 1));
        assertEquals(4L << 20, CudaAllocator.sizeClass((2L << 20) + 1));
    }

    @Test
    void freedBlocksAreReusedWithoutDriverCalls() {
        FakeDevice dev = new FakeDevice(1L << 30);
        CudaAllocator<long[]> a = new CudaAllocator<>(dev, Long.MAX_VALUE);
        long[] b1 = a.allocate(1000, "x");
        assertEquals(1024, a.liveBytes());
        a.free(b1);
        assertEquals(0, a.liveBytes());
        assertEquals(1024, a.cachedBytes());
        long[] b2 = a.allocate(600, "y"); // same 1024-byte class
        assertSame(b1, b2);
        assertEquals(1, dev.allocs, "one cuMemAlloc for two allocations");
        assertEquals(1, a.cacheHits());
        long[] b3 = a.allocate(3000, "z");
        assertEquals(1024 + 3072, a.liveBytes());
        assertEquals(1024 + 3072, a.peakBytes());
        a.free(b2);
        a.free(b3);
        assertEquals(4096, a.peakBytes(), "peak stays");
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> a.free(b3));
        assertTrue(twice.getMessage().contains("freed twice"));
        assertEquals(0, a.close());
        assertEquals(0, dev.used, "everything returned to the device on close");
    }

    @Test
    void deviceFullReleasesTheCacheAndRetries() {
        FakeDevice dev = new FakeDevice(8L << 20);
        CudaAllocator<long[]> a = new CudaAllocator<>(dev, Long.MAX_VALUE);
        long[] big = a.allocate(6L << 20, "big");
        a.free(big); // 6 MiB cached
        long[] other = a.allocate(4L << 20, "other"); // different class: device has 2 MiB free -> release cache, retry
        assertNotNull(other);
        assertEquals(List.of("alloc 6291456", "fail 4194304", "sync", "release 6291456", "alloc 4194304"), dev.events);
        assertEquals(0, a.cachedBytes());
    }

    @Test
    void outOfMemoryNamesRequestDeviceAndAccounting() {
        FakeDevice dev = new FakeDevice(4L << 20);
        CudaAllocator<long[]> a = new CudaAllocator<>(dev, Long.MAX_VALUE);
        a.allocate(3L << 20, "weights");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.allocate(2L << 20, "conv2d workspace"));
        assertEquals("cuda: out of memory allocating 2.0 MiB (2097152 bytes, size class 2097152) for conv2d workspace on GPU 0 (Fake): "
                + "the device's memory is exhausted; live 4.0 MiB, peak 4.0 MiB, cached 0 B, device free 0 B of 4.0 MiB. "
                + "Free tensors sooner (MemoryScope), use a smaller batch, or raise -Ddendrite.cuda.memoryLimit", e.getMessage());
    }

    @Test
    void configuredLimitIsEnforcedBeforeTheDevice() {
        FakeDevice dev = new FakeDevice(1L << 30);
        CudaAllocator<long[]> a = new CudaAllocator<>(dev, 8L << 20);
        long[] x = a.allocate(6L << 20, "x");
        a.free(x);
        a.allocate(4L << 20, "y"); // 6 cached + 4 > 8: cache released first, then fits
        assertEquals(0, a.cachedBytes());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.allocate(6L << 20, "z"));
        assertTrue(e.getMessage().contains("the limit dendrite.cuda.memoryLimit=8388608 bytes is exhausted"), e.getMessage());
        assertEquals(1, a.close(), "one leaked block reported");
        assertEquals(0, dev.used);
    }

    @Test
    void limitParsing() {
        assertEquals(Long.MAX_VALUE, CudaAllocator.parseLimit(null));
        assertEquals(6L << 30, CudaAllocator.parseLimit("6g"));
        assertEquals(512L << 20, CudaAllocator.parseLimit("512M"));
        assertEquals(1536L << 20, CudaAllocator.parseLimit("1.5GB"));
        assertEquals(1048576, CudaAllocator.parseLimit("1048576"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaAllocator.parseLimit("lots"));
        assertTrue(e.getMessage().startsWith("dendrite.cuda.memoryLimit: cannot parse 'lots'"));
        assertThrows(IllegalArgumentException.class, () -> CudaAllocator.parseLimit("-1"));
    }
}
