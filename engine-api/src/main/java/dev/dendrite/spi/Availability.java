package dev.dendrite.spi;

/**
 * The outcome of a backend probe: usable, or not usable with a reason a person can act on
 * ({@code "libcudnn.so.8 not found — install cuDNN 8.9 for CUDA 12"}).
 *
 * @param isAvailable whether the backend can run ops now
 * @param reason why not (empty when available)
 * @param details a description of the device and libraries when available (for {@code dendrite devices})
 */
public record Availability(boolean isAvailable, String reason, String details) {
    public Availability {
        reason = reason == null ? "" : reason;
        details = details == null ? "" : details;
    }

    public static Availability available(String details) {
        return new Availability(true, "", details);
    }

    public static Availability unavailable(String reason) {
        if (reason == null || reason.isBlank()) throw new IllegalArgumentException("an unavailable backend must say why");
        return new Availability(false, reason, "");
    }
}
