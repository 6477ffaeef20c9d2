package dev.dendrite.bench;

/**
 * One benchmark workload: tensors and model built once, then {@link #run()} repeated. The same
 * workloads back the JMH benchmarks (module {@code benchmarks}) and {@code dendrite bench}, and
 * {@code bench_pytorch.py} builds the PyTorch/numpy twin of each under the same {@link #name()}.
 * Everything lives outside memory scopes until {@link #close()}; each run frees its temporaries.
 */
public interface Workload extends AutoCloseable {
    /** Stable identifier, e.g. {@code sgemm-1024} (the key in JSON output and in the Python script). */
    String name();

    /** What one run does, for the table, e.g. {@code "C[1024,1024] = A·B, float32"}. */
    String description();

    /** Units of work in one run (flops, images, tokens), or 0 when only the time is reported. */
    double workPerRun();

    /** The unit of {@link #workPerRun()} per second, e.g. {@code "GFLOP/s"} (already scaled by {@link #unitScale()}); empty for none. */
    String unit();

    /** Divides work per second into {@link #unit()} (1e9 for GFLOP/s, 1 for images/s). */
    double unitScale();

    /** One iteration: forward (+ backward, + update) as the description says. */
    void run();

    /** Frees the workload's tensors and model. */
    @Override
    void close();
}
