package dev.dendrite;

import dev.dendrite.spi.Availability;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.BackendProvider;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test provider that is available, with a negative priority so that a real backend (priority 0 and
 * up) always wins. Counts how often the engine creates it.
 */
public final class FakeOkProvider implements BackendProvider {
    static final AtomicInteger CREATED = new AtomicInteger();

    @Override
    public String name() {
        return "fakeok";
    }

    @Override
    public int priority() {
        return -5;
    }

    @Override
    public Availability probe() {
        return Availability.available("fake device for engine-api tests");
    }

    @Override
    public Backend create() {
        CREATED.incrementAndGet();
        return FakeBackends.backend("fakeok", 0);
    }
}
