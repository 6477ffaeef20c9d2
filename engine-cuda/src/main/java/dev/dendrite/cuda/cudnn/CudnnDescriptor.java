package dev.dendrite.cuda.cudnn;

/**
 * Base of the cuDNN descriptor wrappers: exactly one owner, closed once (later closes do nothing),
 * and a descriptor whose {@code Set} call failed is destroyed before the constructor throws, so a
 * failed construction leaks nothing.
 */
abstract class CudnnDescriptor implements AutoCloseable {
    private boolean closed;

    /** Calls the matching {@code cudnnDestroy…Descriptor}. */
    abstract int destroy();

    abstract String kind();

    final boolean isClosed() {
        return closed;
    }

    final void checkOpen() {
        if (closed) throw new IllegalStateException(kind() + " descriptor used after close");
    }

    /** Runs a Set call; on failure destroys the descriptor and rethrows. */
    final void setOrDestroy(Runnable set) {
        try {
            set.run();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public final void close() {
        if (closed) return;
        closed = true;
        int status = destroy();
        // Destroying a descriptor only frees host memory; a failure here would mean memory corruption,
        // but throwing from close() would mask the exception that made us close.
        if (status != 0) org.slf4j.LoggerFactory.getLogger(getClass()).warn("cudnnDestroy{}Descriptor returned {}", kind(), status);
    }
}
