package dev.dendrite.bench;

import dev.dendrite.MemoryScope;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every benchmark workload builds, runs, and frees everything it allocated. */
class WorkloadsTest {
    @Test
    void everyWorkloadRunsAndLeavesNothingBehind() {
        for (String name : Workloads.names()) {
            if (name.equals("sgemm-2048") || name.equals("sgemm-1024")) continue;   // the same code as sgemm-256, only slower
            try (MemoryScope scope = MemoryScope.openStrict(); Workload w = Workloads.create(name)) {
                assertEquals(name, w.name());
                w.run();
                w.run();
            }
        }
    }

    @Test
    void gemmWorkPerRunIsTwiceNCubed() {
        try (Workload w = Workloads.create("sgemm-256")) {
            assertEquals(2.0 * 256 * 256 * 256, w.workPerRun());
            assertEquals("GFLOP/s", w.unit());
        }
    }

    @Test
    void unknownNamesAreRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Workloads.create("sgemm-300"));
        assertTrue(e.getMessage().contains("sgemm-300"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Workloads.create("resnet"));
    }
}
