package dev.dendrite;

import dev.dendrite.spi.Availability;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.BackendProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Chooses and holds backends. A backend is chosen, in order: by name ({@link #backend(String)}),
 * by {@code -Ddendrite.backend} or the {@code DENDRITE_BACKEND} environment variable, else as the
 * available backend with the highest priority. Asking by name for a backend that is unavailable
 * throws with the probe's reason; there is never a silent fallback. Each backend is created once
 * per JVM and shared.
 */
public final class Engine {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    private static final Map<String, Backend> created = new LinkedHashMap<>();
    private static Backend defaultBackend;

    private Engine() {
    }

    /** What one provider reported, for {@code dendrite devices}. */
    public record ProviderReport(String name, int priority, Availability availability) {
    }

    /** Every installed provider with its probe result, highest priority first. */
    public static synchronized List<ProviderReport> providers() {
        List<ProviderReport> out = new ArrayList<>();
        for (BackendProvider p : installed()) out.add(new ProviderReport(p.name(), p.priority(), safeProbe(p)));
        return out;
    }

    /** The backend with this name; throws if none is installed or it is unavailable here. */
    public static synchronized Backend backend(String name) {
        Backend b = created.get(name);
        if (b != null) return b;
        List<String> loadFailures = new ArrayList<>();
        List<BackendProvider> all = installed(loadFailures);
        BackendProvider provider = all.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalStateException("no backend named '" + name + "' is installed (installed: "
                        + all.stream().map(BackendProvider::name).collect(Collectors.joining(", "))
                        + (loadFailures.isEmpty() ? "" : "; failed to load: " + String.join("; ", loadFailures))
                        + "); add the module that provides it (e.g. dev.dendrite:engine-" + name + ") to the classpath"));
        Availability a = safeProbe(provider);
        if (!a.isAvailable())
            throw new IllegalStateException("backend '" + name + "' is unavailable: " + a.reason());
        b = provider.create();
        created.put(name, b);
        log.info("Backend '{}' ready: {}", name, a.details());
        return b;
    }

    /** The backend serving a device. */
    public static Backend backend(Device device) {
        return backend(device.backend());
    }

    /** The default backend, chosen once (see the class comment). */
    public static synchronized Backend getDefault() {
        if (defaultBackend != null) return defaultBackend;
        String requested = System.getProperty("dendrite.backend", System.getenv("DENDRITE_BACKEND"));
        if (requested != null && !requested.isBlank() && !requested.equals("auto")) {
            defaultBackend = backend(requested.trim());
            log.info("Using backend '{}' (requested by dendrite.backend/DENDRITE_BACKEND)", requested.trim());
            return defaultBackend;
        }
        List<String> passedOver = new ArrayList<>();
        for (BackendProvider p : installed()) {
            Availability a = safeProbe(p);
            if (a.isAvailable()) {
                defaultBackend = backend(p.name());
                log.info("Using backend '{}' (highest priority available){}", p.name(),
                        passedOver.isEmpty() ? "" : "; passed over: " + String.join("; ", passedOver));
                return defaultBackend;
            }
            passedOver.add(p.name() + " (" + a.reason() + ")");
        }
        throw new IllegalStateException("no usable backend: " + (passedOver.isEmpty() ? "none installed" : String.join("; ", passedOver)));
    }

    /** Overrides the default backend for this JVM (tests and the command line's --backend). */
    public static synchronized void setDefault(String name) {
        defaultBackend = backend(name);
    }

    private static List<BackendProvider> installed() {
        return installed(new ArrayList<>());
    }

    /**
     * The providers that load, highest priority first. One that cannot even be instantiated (a class
     * or a dependency missing from the classpath) is skipped and described in {@code loadFailures}:
     * like a failing probe, it must not take the other backends down.
     */
    private static List<BackendProvider> installed(List<String> loadFailures) {
        List<BackendProvider> list = new ArrayList<>();
        Iterator<BackendProvider> it = ServiceLoader.load(BackendProvider.class).iterator();
        while (true) {
            try {
                if (!it.hasNext()) break;
                list.add(it.next());
            } catch (ServiceConfigurationError e) {
                loadFailures.add(e.getMessage());
                log.warn("Skipping a backend provider that failed to load: {}", e.toString());
            }
        }
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed().thenComparing(BackendProvider::name));
        return list;
    }

    private static Availability safeProbe(BackendProvider p) {
        try {
            return p.probe();
        } catch (Throwable t) { // a probe must never take the caller down, whatever native code did
            return Availability.unavailable("probe of '" + p.name() + "' failed: " + t);
        }
    }
}
