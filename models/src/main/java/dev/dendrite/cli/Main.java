package dev.dendrite.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dendrite} command line. */
@Command(name = "dendrite", mixinStandardHelpOptions = true, version = "dendrite 0.1.0",
        description = "Train and run neural networks on the CPU or an NVIDIA GPU.",
        subcommands = {DevicesCommand.class, TrainCommand.class, EvalCommand.class, SummaryCommand.class, ParityCommand.class,
                GenerateCommand.class, BenchCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** With no subcommand, {@code dendrite} trains LeNet-5 on Fashion-MNIST (like {@code dendrite train}). */
    @Override
    public Integer call() {
        return new CommandLine(new TrainCommand()).execute();
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit code (2 for usage errors). */
    public static int run(String... args) {
        return new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    // A user error deserves its message, not a stack trace; -Ddendrite.debug=true shows the trace.
                    if (Boolean.getBoolean("dendrite.debug")) e.printStackTrace();
                    cmd.getErr().println("dendrite " + cmd.getCommandName() + ": " + e.getMessage());
                    return e instanceof IllegalArgumentException ? 2 : 1;
                })
                .execute(args);
    }
}
