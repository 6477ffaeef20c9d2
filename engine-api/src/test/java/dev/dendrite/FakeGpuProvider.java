package dev.dendrite;

import dev.dendrite.spi.Availability;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.BackendProvider;

/** Test provider: installed, highest priority, but its probe says the driver is missing. */
public final class FakeGpuProvider implements BackendProvider {
    static final String REASON = "libfakegpu.so.3 not found - install the FakeGPU driver 3.1";

    @Override
    public String name() {
        return "fakegpu";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        return Availability.unavailable(REASON);
    }

    @Override
    public Backend create() {
        throw new AssertionError("create() must not be called after an unsuccessful probe");
    }
}
