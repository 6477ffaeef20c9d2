package dev.dendrite;

import dev.dendrite.spi.Backend;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Backend selection against the test providers registered in this module's test resources:
 * fakegpu (priority 100, unavailable), fakethrow (priority 50, probe throws), fakeok (priority -5, available).
 */
class EngineTest {

    @Test
    void unavailableBackendByNameThrowsWithTheProbesReason() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Engine.backend("fakegpu"));
        assertEquals("backend 'fakegpu' is unavailable: " + FakeGpuProvider.REASON, e.getMessage());
    }

    @Test
    void unknownBackendSaysNoneIsInstalledAndListsInstalledOnes() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Engine.backend("cuda"));
        String m = e.getMessage();
        assertTrue(m.startsWith("no backend named 'cuda' is installed (installed: "), m);
        for (String name : List.of("fakegpu", "fakethrow", "fakeok")) assertTrue(m.contains(name), m);
        assertTrue(m.contains("dev.dendrite:engine-cuda"), m);
    }

    @Test
    void aProbeThatThrowsIsReportedAsUnavailableNotPropagated() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Engine.backend("fakethrow"));
        assertEquals("backend 'fakethrow' is unavailable: probe of 'fakethrow' failed: "
                + "java.lang.UnsatisfiedLinkError: no fakethrow in java.library.path", e.getMessage());

        Engine.ProviderReport report = Engine.providers().stream().filter(r -> r.name().equals("fakethrow")).findFirst().orElseThrow();
        assertFalse(report.availability().isAvailable());
        assertTrue(report.availability().reason().contains("UnsatisfiedLinkError"), report.availability().reason());
    }

    @Test
    void providersAreListedHighestPriorityFirstWithTheirProbeResults() {
        List<Engine.ProviderReport> reports = Engine.providers();
        for (int i = 1; i < reports.size(); i++)
            assertTrue(reports.get(i - 1).priority() >= reports.get(i).priority(), reports.toString());
        Engine.ProviderReport gpu = reports.stream().filter(r -> r.name().equals("fakegpu")).findFirst().orElseThrow();
        assertEquals(100, gpu.priority());
        assertFalse(gpu.availability().isAvailable());
        assertEquals(FakeGpuProvider.REASON, gpu.availability().reason());
        Engine.ProviderReport ok = reports.stream().filter(r -> r.name().equals("fakeok")).findFirst().orElseThrow();
        assertTrue(ok.availability().isAvailable());
        assertEquals("fake device for engine-api tests", ok.availability().details());
    }

    @Test
    void anAvailableBackendIsCreatedOnceAndShared() {
        Backend a = Engine.backend("fakeok");
        Backend b = Engine.backend("fakeok");
        assertSame(a, b);
        assertSame(a, Engine.backend(new Device("fakeok", 0)));
        assertEquals(1, FakeOkProvider.CREATED.get());
        assertEquals("fakeok", a.name());
    }

    @Test
    void defaultPassesOverUnavailableBackendsToTheHighestPriorityAvailableOne() {
        String requested = System.getProperty("dendrite.backend", System.getenv("DENDRITE_BACKEND"));
        assumeTrue(requested == null || requested.isBlank() || requested.equals("auto"),
                "dendrite.backend/DENDRITE_BACKEND is set to '" + requested + "'");
        assertEquals("fakeok", Engine.getDefault().name());
    }

    @Test
    void aProviderThatFailsToLoadIsSkippedNotFatal() {
        // The services file also names dev.dendrite.MissingProvider, which does not exist.
        List<String> names = Engine.providers().stream().map(Engine.ProviderReport::name).toList();
        assertTrue(names.containsAll(List.of("fakegpu", "fakethrow", "fakeok")), names.toString());
        String m = assertThrows(IllegalStateException.class, () -> Engine.backend("cuda")).getMessage();
        assertTrue(m.contains("; failed to load: dev.dendrite.spi.BackendProvider: Provider dev.dendrite.MissingProvider not found)"), m);
        assertEquals("fakeok", Engine.backend("fakeok").name());
    }

    @Test
    void availabilityRequiresAReasonWhenUnavailable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dev.dendrite.spi.Availability.unavailable(" "));
        assertEquals("an unavailable backend must say why", e.getMessage());
    }
}
