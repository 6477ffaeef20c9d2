package dev.dendrite.spi;

/**
 * Entry point of a backend, found through {@link java.util.ServiceLoader}. Providers are cheap to
 * construct; all native loading happens in {@link #probe()} or {@link #create()}.
 */
public interface BackendProvider {
    /** Short lower-case name used to ask for the backend ({@code cpu}, {@code cuda}). */
    String name();

    /** Higher wins when no backend is named; the CPU reference backend has priority 0. */
    int priority();

    /**
     * Checks whether the backend can run here. Never throws: a missing native library, driver or
     * device becomes an {@link Availability#unavailable(String) unavailable} result with the reason.
     */
    Availability probe();

    /** Creates the backend; called only after a successful probe. */
    Backend create();
}
