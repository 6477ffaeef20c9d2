package dev.dendrite.parity;

import dev.dendrite.DType;
import dev.dendrite.Device;
import dev.dendrite.Engine;
import dev.dendrite.spi.Availability;
import dev.dendrite.spi.Backend;
import dev.dendrite.spi.BackendProvider;
import dev.dendrite.spi.View;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test doubles of a second backend for the harness's own tests, installed only inside a
 * {@code try (TestBackends b = TestBackends.install())} block: the services file that names them
 * sits outside META-INF (in {@code parity-test-backends/}), and {@link #install()} makes it visible
 * by putting a class loader that sees it on the thread's context (which {@code ServiceLoader}, and
 * so {@link Engine}, reads). The suite's own report therefore never lists them.
 * <ul>
 *   <li>{@code record}: the CPU backend behind a recording decorator; remembers which SPI methods
 *       and which op-enum constants were called, and under which label (the coverage test's case).</li>
 *   <li>{@code skewed}: the CPU backend with one planted bug: {@code conv2dForward} adds
 *       {@value #SKEW} to the first output element, so the backend-parity runner must fail on it.</li>
 * </ul>
 */
final class TestBackends implements AutoCloseable {
    static final Device RECORD = new Device("record", 0);
    static final double SKEW = 0.5;

    /** Labels of whatever ran while each key (a method name or {@code Enum.CONSTANT}) was reached on {@code record}. */
    static final Map<String, Set<String>> REACHED = new ConcurrentHashMap<>();
    static volatile String label = "(unlabelled)";

    private final ClassLoader previous;

    private TestBackends(ClassLoader previous) {
        this.previous = previous;
    }

    /** Makes {@code record} and {@code skewed} installed providers for the current thread until closed. */
    static TestBackends install() {
        Thread t = Thread.currentThread();
        ClassLoader prev = t.getContextClassLoader();
        URL dir = TestBackends.class.getClassLoader().getResource("parity-test-backends/");
        if (dir == null) throw new IllegalStateException("parity-test-backends/ is missing from the test classpath");
        t.setContextClassLoader(new URLClassLoader(new URL[]{dir}, prev));
        return new TestBackends(prev);
    }

    @Override
    public void close() {
        Thread.currentThread().setContextClassLoader(previous);
    }

    static void resetRecording() {
        REACHED.clear();
    }

    /** Snapshot of {@link #REACHED}, sorted. */
    static Map<String, Set<String>> reached() {
        Map<String, Set<String>> out = new TreeMap<>();
        REACHED.forEach((k, v) -> out.put(k, new TreeSet<>(v)));
        return out;
    }

    private static void reach(String key) {
        REACHED.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(label);
    }

    /** Records every enum constant in an argument, looking inside parameter records (RnnParams.mode, Pool2dParams.mode, ...). */
    private static void reachEnums(Object arg, int depth) {
        if (arg == null || depth > 3) return;
        if (arg instanceof Enum<?> e) {
            reach(e.getDeclaringClass().getSimpleName() + "." + e.name());
        } else if (arg.getClass().isRecord() && !(arg instanceof View)) {
            for (RecordComponent rc : arg.getClass().getRecordComponents()) {
                try {
                    reachEnums(rc.getAccessor().invoke(arg), depth + 1);
                } catch (ReflectiveOperationException ex) {
                    throw new IllegalStateException(ex);
                }
            }
        }
    }

    /** The CPU backend behind a decorator that calls {@code after} once a method has run. */
    private static Backend decorate(String name, boolean record, AfterCall after) {
        Backend cpu = Engine.backend("cpu");
        Device device = new Device(name, 0);
        InvocationHandler h = (proxy, m, args) -> switch (m.getName()) {
            case "name", "device" -> {
                if (record) reach(m.getName());
                yield m.getName().equals("name") ? name : device;
            }
            case "close" -> null; // the CPU backend is shared; never close it through a test double
            case "toString" -> "TestBackend(" + name + ")";
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> {
                if (record) {
                    reach(m.getName());
                    if (args != null) for (Object a : args) reachEnums(a, 0);
                }
                try {
                    Object result = m.invoke(cpu, args);
                    after.run(cpu, m, args);
                    yield result;
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, h);
    }

    @FunctionalInterface
    private interface AfterCall {
        void run(Backend cpu, Method m, Object[] args);
    }

    /** {@code record}: the CPU backend, recorded. */
    public static final class RecordingProvider implements BackendProvider {
        @Override
        public String name() {
            return "record";
        }

        @Override
        public int priority() {
            return -100;
        }

        @Override
        public Availability probe() {
            return Availability.available("the CPU backend behind a recording decorator (parity harness tests)");
        }

        @Override
        public Backend create() {
            return decorate("record", true, (cpu, m, args) -> { });
        }
    }

    /** {@code skewed}: the CPU backend whose conv2dForward is off by {@link #SKEW} in its first output element. */
    public static final class SkewedProvider implements BackendProvider {
        @Override
        public String name() {
            return "skewed";
        }

        @Override
        public int priority() {
            return -100;
        }

        @Override
        public Availability probe() {
            return Availability.available("the CPU backend with a planted conv2dForward bug (parity harness tests)");
        }

        @Override
        public Backend create() {
            return decorate("skewed", false, (cpu, m, args) -> {
                if (!m.getName().equals("conv2dForward")) return;
                View y = (View) args[3];
                if (y.numel() == 0) return;
                if (y.dtype() == DType.FLOAT32) {
                    float[] v = new float[1];
                    cpu.readToHost(y.storage(), y.offset(), v, 0, 1);
                    v[0] += (float) SKEW;
                    cpu.writeFromHost(v, 0, y.storage(), y.offset(), 1);
                } else {
                    double[] v = new double[1];
                    cpu.readToHost(y.storage(), y.offset(), v, 0, 1);
                    v[0] += SKEW;
                    cpu.writeFromHost(v, 0, y.storage(), y.offset(), 1);
                }
            });
        }
    }
}
