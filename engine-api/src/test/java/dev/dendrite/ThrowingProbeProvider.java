package dev.dendrite;

import dev.dendrite.spi.Availability;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.BackendProvider;

/** Test provider whose probe breaks the contract and throws, as a failing native load would. */
public final class ThrowingProbeProvider implements BackendProvider {
    @Override
    public String name() {
        return "fakethrow";
    }

    @Override
    public int priority() {
        return 50;
    }

    @Override
    public Availability probe() {
        throw new UnsatisfiedLinkError("no fakethrow in java.library.path");
    }

    @Override
    public Backend create() {
        throw new AssertionError("create() must not be called after an unsuccessful probe");
    }
}
