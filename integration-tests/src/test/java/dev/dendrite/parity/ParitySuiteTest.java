package dev.dendrite.parity;

import dev.dendrite.DType;
import dev.dendrite.ops.UnaryOp;
import dev.dendrite.parity.ParityReport.Row;
import dev.dendrite.parity.ParityReport.Runner;
import dev.dendrite.parity.ParityReport.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.dendrite.spi.Backend;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The parity suite under JUnit: the coverage test, then one test per runner over the whole op catalog, writing
 * {@code target/parity/report.json} and {@code report.md}. Legs against a backend that cannot run
 * here (CUDA on a machine without a GPU) are recorded as SKIPPED with the probe's reason, and the
 * test that would check them is skipped through an assumption carrying that reason, so Surefire
 * reports it as skipped, never as passed.
 * <p>
 * {@code -Ddendrite.parity.filter=conv} narrows the catalog; {@code -Ddendrite.parity.backend=cuda}
 * names the backends to compare (comma-separated; default: cuda and every other available one); a backend
 * named that way that cannot run fails the GPU-leg tests instead of skipping them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ParitySuiteTest {
    private static ParitySuite suite;

    @BeforeAll
    static void setUp() {
        String backends = System.getProperty("dendrite.parity.backend");
        ParitySuite.Options o = ParitySuite.Options.defaults().withFilter(System.getProperty("dendrite.parity.filter"));
        if (backends != null && !backends.isBlank()) o = o.withBackends(List.of(backends.split(",")));
        suite = new ParitySuite(o);
        if (!suite.unavailableLegs().isEmpty())
            System.out.println("[parity] legs SKIPPED here (never counted as passed): " + suite.skipReasons());
    }

    @AfterAll
    static void writeReport() throws Exception {
        Path dir = Path.of(System.getProperty("dendrite.parity.out", "target/parity"));
        List<Path> files = suite.report().write(dir);
        System.out.println("[parity] report: " + files.get(0).toAbsolutePath() + ", " + files.get(1).toAbsolutePath());
        System.out.print(suite.report().summaryTable());
        assertTrue(Files.size(files.get(0)) > 0 && Files.size(files.get(1)) > 0);
    }

    private static void assertNoFailures(Runner r, List<Row> rows) {
        List<Row> failed = rows.stream().filter(x -> x.status() == Status.FAIL).collect(Collectors.toList());
        if (!failed.isEmpty())
            fail(failed.size() + " " + r.title() + " failed:\n  " + failed.stream().map(Row::message).collect(Collectors.joining("\n  ")));
    }

    /**
     * Skips (with the probe's reason) when no other backend can run here; but a backend named with
     * {@code -Ddendrite.parity.backend} that cannot run is a failure, as {@code dendrite parity --backend} exits non-zero:
     * a GPU job that silently skipped its GPU would prove nothing.
     */
    private static void assumeSomeOtherBackend(Runner r) {
        String requested = System.getProperty("dendrite.parity.backend");
        if (requested != null && !requested.isBlank() && !suite.unavailableLegs().isEmpty())
            fail("-Ddendrite.parity.backend=" + requested + " was requested but cannot run here: " + suite.skipReasons());
        assumeTrue(suite.legs().stream().anyMatch(ParitySuite.Leg::available),
                r.title() + " against another backend SKIPPED (recorded in the report): " + suite.skipReasons());
    }

    /** Whether the whole catalog runs (a filter may legitimately leave a runner with nothing to do). */
    private static boolean unfiltered() {
        String f = System.getProperty("dendrite.parity.filter");
        return f == null || f.isBlank();
    }

    private static long count(List<Row> rows, String backend, Status s) {
        return rows.stream().filter(x -> x.backend().equals(backend) && x.status() == s).count();
    }

    /**
     * Every abstract method of {@link Backend} and every constant of every enum in {@code dev.dendrite.ops},
     * both enumerated by reflection, must be reached by some catalog case: the catalog runs (forward and
     * backward, every dtype) on the CPU behind a recording decorator ({@link TestBackends}).
     */
    @Test
    @Order(0)
    @SuppressWarnings("try") // the block installs the test backends
    void everyBackendPrimitiveAndOpEnumConstantHasACatalogEntry() throws Exception {
        TestBackends.resetRecording();
        try (TestBackends ignored = TestBackends.install()) {
            for (OpCase c : suite.cases()) {
                TestBackends.label = c.id();
                for (DType dt : c.dtypes()) Evaluation.run(c, Evaluation.hostInputs(c), TestBackends.RECORD, dt, true);
            }
        } finally {
            TestBackends.label = "(unlabelled)";
        }
        Map<String, Set<String>> reached = TestBackends.reached();
        List<String> required = new ArrayList<>();
        for (Method m : Backend.class.getMethods())
            if (m.getDeclaringClass() == Backend.class && Modifier.isAbstract(m.getModifiers())) required.add(m.getName());
        required.sort(null);
        List<Class<?>> enums = opEnums();
        assertTrue(enums.contains(UnaryOp.class), "the scan of dev.dendrite.ops found " + enums + ", not even UnaryOp");
        for (Class<?> e : enums)
            for (Object k : e.getEnumConstants()) required.add(e.getSimpleName() + "." + ((Enum<?>) k).name());
        Map<String, List<String>> reachedBy = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String k : required) {
            if (reached.containsKey(k)) reachedBy.put(k, new ArrayList<>(reached.get(k)));
            else missing.add(k);
        }
        suite.report().setCoverage(new ParityReport.Coverage(reachedBy, missing));
        assumeTrue(unfiltered(), "coverage is only meaningful over the whole catalog (filter '" + System.getProperty("dendrite.parity.filter") + "')");
        assertTrue(missing.isEmpty(), "no catalog case reaches " + missing + " (of " + required.size()
                + " primitives and op-enum constants); add entries to dev.dendrite.parity.OpCatalog");
    }

    /** Every enum in package dev.dendrite.ops, found by listing the package where engine-api's classes live (a jar or a directory). */
    static List<Class<?>> opEnums() throws Exception {
        URL where = UnaryOp.class.getProtectionDomain().getCodeSource().getLocation();
        Path p = Path.of(where.toURI());
        String pkg = "dev/dendrite/ops/";
        Set<String> names = new TreeSet<>();
        if (Files.isDirectory(p)) {
            try (Stream<Path> s = Files.list(p.resolve(pkg))) {
                s.map(x -> x.getFileName().toString()).filter(n -> n.endsWith(".class")).forEach(names::add);
            }
        } else {
            try (JarFile jar = new JarFile(p.toFile())) {
                jar.stream().map(JarEntry::getName).filter(n -> n.startsWith(pkg) && n.endsWith(".class") && n.indexOf('/', pkg.length()) < 0)
                        .forEach(n -> names.add(n.substring(pkg.length())));
            }
        }
        List<Class<?>> out = new ArrayList<>();
        for (String n : names) {
            Class<?> c = Class.forName("dev.dendrite.ops." + n.substring(0, n.length() - ".class".length()).replace('/', '.'));
            if (c.isEnum()) out.add(c);
        }
        return out;
    }

    @Test
    @Order(1)
    void gradientChecksInFloat64OnEveryAvailableBackend() {
        List<Row> rows = suite.run(Runner.GRADCHECK);
        assertNoFailures(Runner.GRADCHECK, rows);
        assertTrue(!unfiltered() || count(rows, ParitySuite.REFERENCE, Status.PASS) > 0, "no gradient check ran on the CPU");
    }

    @Test
    @Order(2)
    void precisionParityFloat32AgainstFloat64OnTheCpu() {
        List<Row> rows = suite.run(Runner.PRECISION);
        assertNoFailures(Runner.PRECISION, rows);
        assertEquals(rows.size(), count(rows, ParitySuite.REFERENCE, Status.PASS), "every precision leg runs on the CPU and passes");
    }

    @Test
    @Order(3)
    void sameErrorOnEveryBackend() {
        List<Row> rows = suite.run(Runner.ERRORS);
        assertNoFailures(Runner.ERRORS, rows);
        assertTrue(!unfiltered() || count(rows, ParitySuite.REFERENCE, Status.PASS) > 0, "no error case ran on the CPU");
    }

    @Test
    @Order(4)
    void randomNumbersCpuHalf() {
        List<Row> rows = suite.run(Runner.RANDOM);
        List<Row> cpu = rows.stream().filter(x -> x.backend().equals(ParitySuite.REFERENCE) || x.backend().equals("host"))
                .collect(Collectors.toList());
        assertNoFailures(Runner.RANDOM, cpu);
        assertTrue(!unfiltered() || !cpu.isEmpty(), "no random-number check ran on the CPU");
    }

    @Test
    @Order(5)
    void randomNumbersGpuHalf() {
        List<Row> other = suite.report().rows(Runner.RANDOM).stream()
                .filter(x -> !x.backend().equals(ParitySuite.REFERENCE) && !x.backend().equals("host")).collect(Collectors.toList());
        assertNoFailures(Runner.RANDOM, other);
        assumeSomeOtherBackend(Runner.RANDOM);
    }

    @Test
    @Order(6)
    void backendParityCpuAgainstEveryOtherBackend() {
        List<Row> rows = suite.run(Runner.BACKEND);
        assertNoFailures(Runner.BACKEND, rows);
        assumeSomeOtherBackend(Runner.BACKEND);
    }

    @Test
    @Order(7)
    void trainingTrajectories() {
        List<Row> rows = suite.run(Runner.TRAINING);
        assertNoFailures(Runner.TRAINING, rows);
        assumeSomeOtherBackend(Runner.TRAINING);
    }
}
