package dev.dendrite.kernels;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A second opinion from the offline toolchain, when {@code nvcc} is on the PATH: every kernel file, as
 * {@link KernelSources#source} hands it to NVRTC, compiles with {@code nvcc -ptx -arch=compute_80 -fmad=false
 * -Werror all-warnings}, the PTX assembles with {@code ptxas -arch=sm_80} and {@code -arch=sm_90}, and the
 * PTX's entry points are exactly the catalog's kernels (so nothing was renamed by C++ name mangling).
 * Files compile in parallel; each file is one dynamic test whose failure shows the compiler's output.
 */
class NvccCompileTest {
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(");

    /** Everything that happened for one file. */
    private record FileResult(String file, List<CudaToolkit.Run> runs, Set<String> entries, String error) {
    }

    @TestFactory
    List<DynamicTest> everyKernelFileCompilesWithNvccAndPtxas() throws IOException {
        Optional<Path> nvcc = CudaToolkit.onPath("nvcc");
        assumeTrue(nvcc.isPresent(), "nvcc is not on the PATH: skipping the nvcc/ptxas compile check "
                + "(engine-cuda's NVRTC test still compiles every kernel file)");
        Optional<Path> ptxas = CudaToolkit.ptxas(nvcc.get());
        assumeTrue(ptxas.isPresent(), "nvcc is on the PATH but ptxas is neither beside it nor on the PATH: skipping");

        Path dir = Files.createTempDirectory("dendrite-nvcc");
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<CompletableFuture<FileResult>> futures = new ArrayList<>();
        try {
            for (String file : KernelSources.files())
                futures.add(CompletableFuture.supplyAsync(() -> compile(nvcc.get(), ptxas.get(), dir, file), pool));
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).join();
        } finally {
            pool.shutdown();
        }

        List<DynamicTest> tests = new ArrayList<>();
        for (CompletableFuture<FileResult> f : futures) {
            FileResult r = f.join();
            tests.add(DynamicTest.dynamicTest(r.file(), () -> {
                assertTrue(r.error() == null, r.file() + ": " + r.error());
                for (CudaToolkit.Run run : r.runs()) {
                    assertTrue(run.ok(), r.file() + " failed to compile:\n" + run.describe());
                    assertTrue(run.output().isBlank(), r.file() + ": the tool printed diagnostics:\n" + run.describe());
                }
                assertEquals(new TreeSet<>(KernelSources.kernels(r.file())), r.entries(),
                        r.file() + ": PTX entry points differ from the catalog");
            }));
        }
        return tests;
    }

    private static FileResult compile(Path nvcc, Path ptxas, Path dir, String file) {
        List<CudaToolkit.Run> runs = new ArrayList<>();
        try {
            Path cu = dir.resolve(file);
            Files.writeString(cu, KernelSources.source(file), StandardCharsets.UTF_8);
            String base = file.substring(0, file.length() - 3);
            Path ptx = dir.resolve(base + ".ptx");
            CudaToolkit.Run nv = CudaToolkit.run(dir, CudaToolkit.list(nvcc, "-ptx", "-arch=compute_80", "-fmad=false",
                    "-Werror", "all-warnings", "-o", ptx, cu), 300);
            runs.add(nv);
            if (!nv.ok()) return new FileResult(file, runs, Set.of(), null);
            for (String arch : List.of("sm_80", "sm_90")) {
                runs.add(CudaToolkit.run(dir, CudaToolkit.list(ptxas, "-arch=" + arch, "-Werror", "-o",
                        dir.resolve(base + "." + arch + ".cubin"), ptx), 300));
            }
            Set<String> entries = new TreeSet<>();
            Matcher m = ENTRY.matcher(Files.readString(ptx, StandardCharsets.UTF_8));
            while (m.find()) entries.add(m.group(1));
            return new FileResult(file, runs, entries, null);
        } catch (IOException | RuntimeException e) {
            return new FileResult(file, runs, Set.of(), e.toString());
        }
    }
}
