package dev.dendrite;

/**
 * Where a tensor's storage lives: a backend name and an ordinal ({@code cpu}, {@code cuda:0}).
 * Tensors on different devices never mix in one op; copying between them is explicit ({@link Tensor#to}).
 */
public record Device(String backend, int ordinal) {
    public static final Device CPU = new Device("cpu", 0);

    public Device {
        if (backend == null || backend.isEmpty()) throw new IllegalArgumentException("device: backend name is empty");
        if (ordinal < 0) throw new IllegalArgumentException("device: ordinal must be >= 0, got " + ordinal);
    }

    /** Parses {@code cpu}, {@code cuda}, {@code cuda:1}. */
    public static Device parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) return new Device(text, 0);
        try {
            return new Device(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device: cannot parse '" + text + "', expected name or name:ordinal");
        }
    }

    @Override
    public String toString() {
        return backend.equals("cpu") ? "cpu" : backend + ":" + ordinal;
    }
}
