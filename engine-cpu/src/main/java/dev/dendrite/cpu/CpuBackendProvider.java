package dev.dendrite.cpu;

import dev.dendrite.cpu.gemm.Gemm;
import dev.dendrite.spi.Availability;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.BackendProvider;

/** The pure-Java reference backend: always available, lowest priority. */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability probe() {
        return Availability.available("pure Java, " + Parallel.threads() + " thread(s), GEMM kernel: " + Gemm.kernelDescription()
                + ", Java " + Runtime.version());
    }

    @Override
    public Backend create() {
        return new CpuBackend();
    }
}
