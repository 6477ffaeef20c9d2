package dev.dendrite;

import java.util.concurrent.atomic.AtomicLong;

/** Live and peak bytes of one backend's storages as allocated through tensors. */
public final class MemoryStats {
    private final AtomicLong liveBytes = new AtomicLong();
    private final AtomicLong peakBytes = new AtomicLong();
    private final AtomicLong liveStorages = new AtomicLong();

    void allocated(long bytes) {
        long now = liveBytes.addAndGet(bytes);
        liveStorages.incrementAndGet();
        peakBytes.accumulateAndGet(now, Math::max);
    }

    void freed(long bytes) {
        liveBytes.addAndGet(-bytes);
        liveStorages.decrementAndGet();
    }

    public long liveBytes() {
        return liveBytes.get();
    }

    public long peakBytes() {
        return peakBytes.get();
    }

    public long liveStorages() {
        return liveStorages.get();
    }

    @Override
    public String toString() {
        return "live " + liveBytes() + " B in " + liveStorages() + " storages, peak " + peakBytes() + " B";
    }
}
