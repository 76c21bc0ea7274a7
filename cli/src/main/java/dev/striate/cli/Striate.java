package dev.striate.cli;

import dev.striate.onnx.OnnxException;
import dev.striate.simd.VectorSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;

/** The {@code ./striate} command line: subcommands, {@code --help} on each. */
@Command(name = "striate", mixinStandardHelpOptions = true, version = "Striate 0.1.0-SNAPSHOT",
        description = "A pure-Java CNN engine on the Vector API.",
        subcommands = {DemoCommand.class, RunCommand.class, InfoCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Striate implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status. */
    static int run(String... args) {
        if (!VectorSupport.isAvailable()) {
            System.err.println("striate: the JVM needs " + VectorSupport.JVM_FLAG + " (./striate passes it)");
            return 2;
        }
        CommandLine cli = new CommandLine(new Striate());
        // Bad models, files and arguments are the user's to fix: one line, no stack trace.
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof OnnxException || e instanceof IllegalArgumentException || e instanceof IOException) {
                command.getErr().println("striate " + command.getCommandName() + ": "
                        + (e instanceof IOException ? e.toString() : e.getMessage()));
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
