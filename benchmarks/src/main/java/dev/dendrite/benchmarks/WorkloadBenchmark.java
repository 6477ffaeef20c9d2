package dev.dendrite.benchmarks;

import dev.dendrite.bench.Workload;
import dev.dendrite.bench.Workloads;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Runs one {@link Workloads} workload per JMH benchmark, so that JMH and {@code dendrite bench}
 * time the same code. Subclasses name the workloads in a {@code @Param workload} field. Each trial
 * forks a JVM with the Vector API enabled (the CPU backend's fast paths need it).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public abstract class WorkloadBenchmark {
    private Workload workload;

    /** The {@code @Param} value of the subclass. */
    protected abstract String workloadName();

    @Setup(Level.Trial)
    public void setUp() {
        workload = Workloads.create(workloadName());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        workload.close();
    }

    /** One run of the workload (see {@link Workloads} for what each does). */
    @Benchmark
    public void run() {
        workload.run();
    }
}
