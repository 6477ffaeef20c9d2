package dev.dendrite;

import dev.dendrite.spi.Backend;
import dev.dendrite.spi.Storage;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shares one {@link Storage} between a tensor and its views. Each tensor holding it counts once;
 * the storage goes back to its backend when the last holder closes. Exactly one handle owns a storage.
 */
final class StorageHandle {
    private static final Map<String, MemoryStats> STATS = new ConcurrentHashMap<>();

    final Backend backend;
    final Storage storage;
    /** Where it was allocated, recorded only when leak tracking is on. */
    final Throwable allocationSite;
    private int holders;

    private StorageHandle(Backend backend, Storage storage, Throwable site) {
        this.backend = backend;
        this.storage = storage;
        this.allocationSite = site;
    }

    static StorageHandle allocate(Backend backend, DType dtype, int length) {
        Storage s = backend.allocate(dtype, length);
        stats(backend.name()).allocated(s.byteSize());
        StorageHandle h = new StorageHandle(backend, s, MemoryScope.trackAllocationSites() ? new Throwable("allocated here") : null);
        MemoryScope.registerAllocation(h);
        return h;
    }

    static MemoryStats stats(String backendName) {
        return STATS.computeIfAbsent(backendName, k -> new MemoryStats());
    }

    synchronized void retain() {
        holders++;
    }

    synchronized void release() {
        if (--holders == 0) {
            backend.free(storage);
            stats(backend.name()).freed(storage.byteSize());
        }
    }

    synchronized boolean isLive() {
        return holders > 0;
    }
}
