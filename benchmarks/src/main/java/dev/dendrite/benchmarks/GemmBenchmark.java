package dev.dendrite.benchmarks;

import org.openjdk.jmh.annotations.Param;

/** SGEMM C[n,n] = A·B for n = 256 … 2048 (time should grow as n³). */
public class GemmBenchmark extends WorkloadBenchmark {
    @Param({"sgemm-256", "sgemm-512", "sgemm-1024", "sgemm-2048"})
    public String workload;

    @Override
    protected String workloadName() {
        return workload;
    }
}
