package dev.dendrite.benchmarks;

import org.openjdk.jmh.annotations.Param;

/** 3×3 convolution 64→64 on [64,64,32,32] and depthwise 3×3 on [64,32,56,56], forward + backward. */
public class ConvBenchmark extends WorkloadBenchmark {
    @Param({"conv3x3", "depthwise3x3"})
    public String workload;

    @Override
    protected String workloadName() {
        return workload;
    }
}
