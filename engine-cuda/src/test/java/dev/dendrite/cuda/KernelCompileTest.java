package dev.dendrite.cuda;

import dev.dendrite.kernels.KernelSources;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every kernel file compiled by the real NVRTC for the architectures the backend targets, sm_80 and
 * sm_90. One compilation per architecture yields both artifacts the backend can load: the cubin and
 * the PTX (NVRTC's PTX for sm_XY is its compute_XY PTX, {@code .target sm_XY}), so compute_80 and
 * compute_90 are covered without compiling twice. A non-success status or any log output (a
 * warning) fails with the log; every kernel the catalog lists must be an entry of the PTX. Files
 * compile in parallel (NVRTC programs are independent).
 */
@Tag("cuda-libs")
class KernelCompileTest {
    private static final NvrtcCompiler.Target[] TARGETS = {new NvrtcCompiler.Target("sm_80", true), new NvrtcCompiler.Target("sm_90", true)};

    @BeforeAll
    static void nvrtcLoads() {
        CudaLibraries.GroupStatus s = CudaLibraries.load().get(CudaLibraries.Group.NVRTC);
        assumeTrue(s.isLoaded(), () -> "NVRTC is not loaded: " + s.error());
    }

    @Test
    void targetChoice() {
        int[] archs = {50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90};
        assertEquals(new NvrtcCompiler.Target("sm_90", true), NvrtcCompiler.target(9, 0, archs));
        assertEquals(new NvrtcCompiler.Target("sm_86", true), NvrtcCompiler.target(8, 6, archs));
        assertEquals(new NvrtcCompiler.Target("compute_90", false), NvrtcCompiler.target(10, 0, archs), "Blackwell: PTX for the driver to JIT");
        assertEquals(new NvrtcCompiler.Target("compute_90", false), NvrtcCompiler.target(12, 0, archs));
        assertEquals(new NvrtcCompiler.Target("sm_87", true), NvrtcCompiler.target(8, 8, archs), "closest older SASS of the same major");
        assertThrows(IllegalArgumentException.class, () -> NvrtcCompiler.target(3, 5, archs));
        int[] real = NvrtcCompiler.supportedArchs();
        assertEquals(90, real[real.length - 1], "NVRTC 12.3 stops at sm_90");
    }

    @Test
    void everyKernelFileCompilesCleanlyForEveryTarget() throws Exception {
        List<Callable<List<String>>> jobs = new ArrayList<>();
        AtomicLong totalMs = new AtomicLong();
        for (String file : KernelSources.files())
            for (NvrtcCompiler.Target t : TARGETS)
                jobs.add(() -> {
                    List<String> failures = new ArrayList<>();
                    try {
                        NvrtcCompiler.Result r = NvrtcCompiler.compile(file, KernelSources.source(file), t, KernelSources.COMPILE_OPTIONS);
                        totalMs.addAndGet(r.millis());
                        if (!r.log().isEmpty()) failures.add(file + " " + t.arch() + ": compiler output (warnings fail the build):\n" + r.log());
                        if (r.cubin() == null || r.cubin().length == 0) failures.add(file + " " + t.arch() + ": empty cubin");
                        if (!r.ptx().contains(".target " + t.arch())) failures.add(file + " " + t.arch() + ": PTX has no .target " + t.arch());
                        for (String k : KernelSources.kernels(file))
                            if (!r.ptx().contains(".entry " + k + "("))
                                failures.add(file + " " + t.arch() + ": kernel " + k + " listed by the catalog is not in the PTX");
                    } catch (CudaException e) {
                        failures.add(e.getMessage());
                    }
                    return failures;
                });
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
        List<String> failures = new ArrayList<>();
        try {
            for (Future<List<String>> f : pool.invokeAll(jobs)) failures.addAll(f.get());
        } finally {
            pool.shutdown();
        }
        System.out.println("[KernelCompileTest] " + jobs.size() + " NVRTC compilations of " + KernelSources.files().size() + " files: "
                + totalMs.get() + " ms of compiler time, " + (System.nanoTime() - start) / 1_000_000 + " ms wall");
        assertTrue(failures.isEmpty(), () -> String.join("\n\n", failures));
    }

    @Test
    void aBrokenKernelFailsWithTheCompilerLog() {
        String broken = "extern \"C\" __global__ void broken_f32(int n, float* y) { y[0] = undefined_thing; }";
        CudaException e = assertThrows(CudaException.class,
                () -> NvrtcCompiler.compile("broken.cu", broken, new NvrtcCompiler.Target("sm_90", true), KernelSources.COMPILE_OPTIONS));
        assertEquals("NVRTC_ERROR_COMPILATION", e.statusName());
        assertTrue(e.getMessage().contains("broken.cu(1): error: identifier \"undefined_thing\" is undefined"), e.getMessage());
        assertTrue(e.getMessage().startsWith("nvrtcCompileProgram(broken.cu, --fmad=false"), e.getMessage());
    }
}
