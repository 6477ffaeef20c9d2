package dev.dendrite.kernels;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs kernel code on the HOST: the per-element functions of the kernel files are {@code __host__ __device__},
 * so a small program compiled by nvcc can call them and print results, which a test compares with the CPU
 * backend's own Java code (compiled at test time from the sibling modules' sources, so this module keeps
 * no dependency on them). This checks the kernels' logic — branches, NaN and signed-zero rules, integer
 * wrap-around, rounding steps, orderings — without a GPU; the device's libm (exp, log, …) is not what
 * runs here, the host's is.
 */
final class HostHarness {
    private HostHarness() {
    }

    /** The repository root (the directory holding engine-api/ and engine-cpu/), or a skipped test. */
    static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent())
            if (Files.isDirectory(d.resolve("engine-api/src/main/java")) && Files.isDirectory(d.resolve("engine-cpu/src/main/java")))
                return d;
        assumeTrue(false, "the engine-api/engine-cpu sources are not next to this module (looked upward from " + dir
                + "): skipping the comparison with the CPU backend's Java code");
        return null;
    }

    private static ClassLoader cpuReference;

    /**
     * The CPU backend's classes, compiled once per test JVM from the working tree's engine-api and engine-cpu
     * main sources (so they are never stale, and this module needs no dependency on them). Package-private
     * members are reached by reflection. Needs a JDK (javax.tools) and, to load the vectorised classes,
     * {@code --add-modules jdk.incubator.vector} as the build's surefire configuration passes.
     */
    static synchronized ClassLoader cpuReference() throws IOException {
        if (cpuReference != null) return cpuReference;
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "no system Java compiler (running on a JRE?): skipping the CPU-reference comparison");
        Path root = repoRoot();
        Path out = Files.createTempDirectory("dendrite-cpu-reference");
        List<String> args = new ArrayList<>(List.of("--release", "17", "--add-modules", "jdk.incubator.vector", "-nowarn",
                "-proc:none", "-XDsuppressNotes", "-cp", System.getProperty("java.class.path"), "-d", out.toString()));
        for (String tree : List.of("engine-api/src/main/java", "engine-cpu/src/main/java"))
            try (var files = Files.walk(root.resolve(tree))) {
                files.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
            }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = javac.run(null, err, err, args.toArray(new String[0]));
        assertTrue(rc == 0, "compiling the CPU backend's sources (engine-api, engine-cpu) failed:\n" + err.toString(StandardCharsets.UTF_8));
        cpuReference = new URLClassLoader(new URL[]{out.toUri().toURL()}, HostHarness.class.getClassLoader());
        return cpuReference;
    }

    /**
     * Writes {@code kernelFiles} (as {@link KernelSources#source} gives them) and {@code main} into {@code work},
     * compiles {@code main} with nvcc as a host program and runs it; returns its standard output lines.
     * Skips the calling test when nvcc is not on the PATH.
     */
    static List<String> runHostProgram(Path work, List<String> kernelFiles, String main) throws IOException {
        Optional<Path> nvcc = CudaToolkit.onPath("nvcc");
        assumeTrue(nvcc.isPresent(), "nvcc is not on the PATH: skipping the host-side run of the kernel functions");
        for (String f : kernelFiles) Files.writeString(work.resolve(f), KernelSources.source(f), StandardCharsets.UTF_8);
        Path src = work.resolve("harness.cu");
        Files.writeString(src, main, StandardCharsets.UTF_8);
        Path exe = work.resolve("harness");
        // PTX only for the device side (no ptxas: the kernels' device code is checked by NvccCompileTest);
        // no FMA contraction on either side, as the runtime compile uses --fmad=false.
        CudaToolkit.Run build = CudaToolkit.run(work, CudaToolkit.list(nvcc.get(), "-std=c++17",
                "-gencode", "arch=compute_80,code=compute_80", "-fmad=false", "-Xcompiler", "-ffp-contract=off",
                "-Werror", "all-warnings", "-o", exe, src), 300);
        assertTrue(build.ok() && build.output().isBlank(), "building the host harness failed:\n" + build.describe());
        CudaToolkit.Run run = CudaToolkit.run(work, CudaToolkit.list(exe), 120);
        assertTrue(run.ok(), "the host harness failed:\n" + run.describe());
        return List.of(run.output().split("\n"));
    }

    /** The constant {@code name} of an enum loaded by the reference class loader. */
    static Object enumConstant(Class<?> enumType, String name) {
        for (Object c : enumType.getEnumConstants()) if (((Enum<?>) c).name().equals(name)) return c;
        throw new IllegalArgumentException(enumType.getName() + " has no constant " + name);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v) + "ULL";
    }
}
