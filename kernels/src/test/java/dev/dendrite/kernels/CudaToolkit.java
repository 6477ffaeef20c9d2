package dev.dendrite.kernels;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Finds nvcc/ptxas on the PATH and runs them, capturing their output for failure messages. */
final class CudaToolkit {
    /** What a tool run produced. */
    record Run(List<String> command, int exitCode, String output, long millis) {
        boolean ok() {
            return exitCode == 0;
        }

        String describe() {
            return String.join(" ", command) + "\nexit code " + exitCode + " after " + millis + " ms\n" + output;
        }
    }

    private CudaToolkit() {
    }

    /** The first executable {@code name} on the PATH, if any. */
    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /** nvcc's directory holds ptxas in every CUDA installation; a PATH wrapper may not, so try both. */
    static Optional<Path> ptxas(Path nvcc) {
        Path beside = nvcc.toAbsolutePath().getParent().resolve("ptxas");
        if (Files.isExecutable(beside)) return Optional.of(beside);
        return onPath("ptxas");
    }

    static Run run(Path workDir, List<String> command, long timeoutSeconds) {
        long t0 = System.nanoTime();
        try {
            Path log = Files.createTempFile(workDir, "tool", ".log");
            Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Run(command, -1, "timed out after " + timeoutSeconds + " s", (System.nanoTime() - t0) / 1_000_000);
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            return new Run(command, p.exitValue(), out, (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException e) {
            return new Run(command, -1, "could not run: " + e, (System.nanoTime() - t0) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(command, -1, "interrupted", (System.nanoTime() - t0) / 1_000_000);
        }
    }

    static List<String> list(Object... parts) {
        List<String> l = new ArrayList<>();
        for (Object o : parts) l.add(o.toString());
        return l;
    }
}
