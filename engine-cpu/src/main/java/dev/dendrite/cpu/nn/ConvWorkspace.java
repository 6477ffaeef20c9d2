package dev.dendrite.cpu.nn;

/**
 * Per-thread scratch arrays, grown on demand and kept, so that steady-state kernel calls allocate
 * nothing large. Contents are undefined on return: callers overwrite what they read.
 *
 * <p>Each instance is a separate pool: a thread that needs two buffers at once (a column tile and
 * the batch partial sums of a filter gradient, say) takes them from two instances. A thread keeps
 * its largest buffer until it dies; the im2col tile budget ({@link Conv2dKernels}) bounds that.
 */
final class ConvWorkspace {
    private static final class Buffers {
        float[] floats = new float[0];
        double[] doubles = new double[0];
    }

    private final ThreadLocal<Buffers> local = ThreadLocal.withInitial(Buffers::new);

    /** This thread's float buffer of at least {@code length} elements. */
    float[] floats(int length) {
        Buffers b = local.get();
        if (b.floats.length < length) b.floats = new float[length];
        return b.floats;
    }

    /** This thread's double buffer of at least {@code length} elements. */
    double[] doubles(int length) {
        Buffers b = local.get();
        if (b.doubles.length < length) b.doubles = new double[length];
        return b.doubles;
    }
}
