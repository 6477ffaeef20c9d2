package dev.dendrite.cli;

import dev.dendrite.Engine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code dendrite devices}: every installed backend, whether it can run here, and why not. */
@Command(name = "devices", description = "List backends, their availability and the reason when unavailable.")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        var reports = Engine.providers();
        for (var r : reports) {
            System.out.printf("%-6s priority %-3d %s%n", r.name(), r.priority(), r.availability().isAvailable()
                    ? "available: " + r.availability().details()
                    : "UNAVAILABLE: " + r.availability().reason());
        }
        if (reports.stream().noneMatch(r -> r.name().equals("cuda")))
            System.out.println("cuda   not installed: this build has no CUDA backend module on the classpath");
        return 0;
    }
}
