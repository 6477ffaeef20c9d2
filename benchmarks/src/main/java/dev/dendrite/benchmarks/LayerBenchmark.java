package dev.dendrite.benchmarks;

import org.openjdk.jmh.annotations.Param;

/** 2×2 max pooling and training-mode batch norm on [64,64,32,32], forward + backward. */
public class LayerBenchmark extends WorkloadBenchmark {
    @Param({"maxpool2x2", "batchnorm"})
    public String workload;

    @Override
    protected String workloadName() {
        return workload;
    }
}
