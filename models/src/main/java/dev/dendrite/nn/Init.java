package dev.dendrite.nn;

import dev.dendrite.DType;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Weight initialisers. Random ones draw from Philox with the global seed ({@link #seed(long)}) and
 * a stream that advances once per initialised tensor, so a model built in the same order from the
 * same seed has the same weights on every backend.
 * <ul>
 *   <li>Glorot (Xavier) uniform: {@code U[−√(6/(fan_in+fan_out)), +√(6/(fan_in+fan_out))]}</li>
 *   <li>Xavier normal (as this project defines it): {@code N(0,1)/√fan_in}</li>
 *   <li>He normal: {@code N(0,1)·√(2/fan_in)}</li>
 * </ul>
 * For a weight {@code [out, in]} fan_in = in and fan_out = out; for a convolution weight
 * {@code [K, C/groups, R, S]} fan_in = C/groups·R·S and fan_out = K·R·S.
 */
public final class Init {
    private static volatile long seed = 42;
    private static final AtomicLong STREAM = new AtomicLong();

    private Init() {
    }

    /** Sets the seed and restarts the stream counter: models built afterwards are reproducible. */
    public static void seed(long s) {
        seed = s;
        STREAM.set(0);
    }

    public static long currentSeed() {
        return seed;
    }

    static long nextStream() {
        return STREAM.getAndIncrement();
    }

    /** {@code [fan_in, fan_out]} of a weight shape (see the class comment). */
    public static int[] fans(Shape w) {
        if (w.rank() < 2) throw new IllegalArgumentException("init: fan-in/fan-out need a weight of rank >= 2, got " + w);
        int receptive = 1;
        for (int i = 2; i < w.rank(); i++) receptive *= w.dim(i);
        return new int[]{w.dim(1) * receptive, w.dim(0) * receptive};
    }

    public static Tensor zeros(Shape shape, DType dtype) {
        return Tensor.zeros(shape, dtype);
    }

    public static Tensor constant(Shape shape, double value, DType dtype) {
        return Tensor.full(shape, value, dtype);
    }

    public static Tensor glorotUniform(Shape shape, int fanIn, int fanOut, DType dtype) {
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        return Tensor.rand(shape, seed, nextStream(), -limit, limit, dtype, null);
    }

    public static Tensor glorotUniform(Shape weightShape, DType dtype) {
        int[] f = fans(weightShape);
        return glorotUniform(weightShape, f[0], f[1], dtype);
    }

    public static Tensor xavierNormal(Shape shape, int fanIn, DType dtype) {
        return Tensor.randn(shape, seed, nextStream(), 0, 1 / Math.sqrt(fanIn), dtype, null);
    }

    public static Tensor heNormal(Shape shape, int fanIn, DType dtype) {
        return Tensor.randn(shape, seed, nextStream(), 0, Math.sqrt(2.0 / fanIn), dtype, null);
    }

    public static Tensor heNormal(Shape weightShape, DType dtype) {
        return heNormal(weightShape, fans(weightShape)[0], dtype);
    }

    /** {@code U[−bound, bound]} (biases use bound = 1/√fan_in, PyTorch's default). */
    public static Tensor uniform(Shape shape, double bound, DType dtype) {
        return Tensor.rand(shape, seed, nextStream(), -bound, bound, dtype, null);
    }
}
