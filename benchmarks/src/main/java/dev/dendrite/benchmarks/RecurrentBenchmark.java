package dev.dendrite.benchmarks;

import org.openjdk.jmh.annotations.Param;

/** LSTM and GRU, 2 layers 128→256, T = 35, batch 32, forward + backward. */
public class RecurrentBenchmark extends WorkloadBenchmark {
    @Param({"lstm", "gru"})
    public String workload;

    @Override
    protected String workloadName() {
        return workload;
    }
}
