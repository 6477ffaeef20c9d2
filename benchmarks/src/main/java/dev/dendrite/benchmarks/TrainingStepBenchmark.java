package dev.dendrite.benchmarks;

import org.openjdk.jmh.annotations.Param;

/** The LeNet-5 (batch 64) and char-LSTM LM (batch 32 × 64) training steps with Adam. With {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes allocated per step. */
public class TrainingStepBenchmark extends WorkloadBenchmark {
    @Param({"lenet5-step", "charlstm-step"})
    public String workload;

    @Override
    protected String workloadName() {
        return workload;
    }
}
