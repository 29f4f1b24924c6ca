package dev.thaw.cli;

import dev.thaw.ThawException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * {@code thaw bench}: starts thaw's benchmark, which is its own module (thaw-bench.jar, with its
 * charting library) so that thaw.jar carries none of it. The bench runs in a JVM of its own on
 * thaw-bench.jar and this thaw.jar, and drives thaw through its CLI as a user would. Every argument
 * goes to it unparsed; {@code thaw bench --help} is the bench's own help.
 */
@Command(name = "bench", description = {"Measure an app side by side: cold JVM, cold JVM with the JDK's AOT cache, and workers restored by thaw.",
        "Runs thaw-bench.jar (found next to thaw.jar, or at $THAW_BENCH_JAR); 'thaw bench --help' lists its options."})
public final class BenchCommand implements Callable<Integer> {
    static final String JAR_NAME = "thaw-bench.jar";
    static final String MAIN_CLASS = "dev.thaw.bench.BenchMain";
    private static final String HOW_TO_INSTALL = "the release archive has it in lib/ next to thaw.jar; in a checkout, build it (scripts/build builds bench/target/"
            + JAR_NAME + ", which scripts/thaw finds); or set $THAW_BENCH_JAR";

    @CommandLine.Unmatched
    List<String> arguments = new ArrayList<>();

    /** Every argument is the bench's, options and the app's command alike: picocli stops parsing at the first one. */
    static void configure(CommandLine bench) {
        bench.setStopAtUnmatched(true);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path thawJar = thawJar();
        Path benchJar = benchJar(thawJar);
        if (!Files.isRegularFile(benchJar) && (arguments.contains("--help") || arguments.contains("-h"))) {
            spec.commandLine().usage(spec.commandLine().getOut());
            spec.commandLine().getOut().println("thaw-bench.jar is not installed here (" + benchJar + "): " + HOW_TO_INSTALL);
            return 0;
        }
        if (!Files.isRegularFile(benchJar)) {
            throw ThawException.environment("thaw bench is not installed: no " + benchJar + "; " + HOW_TO_INSTALL);
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        // What thaw.jar's manifest grants when it runs with -jar: the bench restores workers and reads their control socket in-process.
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", benchJar + java.io.File.pathSeparator + thawJar, MAIN_CLASS));
        command.addAll(arguments);
        Process bench = new ProcessBuilder(command).inheritIO().start();
        // TERM to thaw alone reaches the bench too, which then stops the JVMs it started (Ctrl-C reaches the whole group anyway).
        Thread forward = new Thread(() -> stop(bench), "bench-stop");
        Runtime.getRuntime().addShutdownHook(forward);
        int exit = bench.waitFor();
        Runtime.getRuntime().removeShutdownHook(forward);
        return exit;
    }

    private static void stop(Process bench) {
        bench.destroy();
        try {
            bench.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** $THAW_BENCH_JAR, else thaw-bench.jar next to thaw.jar. */
    static Path benchJar(Path thawJar) {
        String explicit = System.getenv("THAW_BENCH_JAR");
        return explicit != null && !explicit.isBlank() ? Path.of(explicit).toAbsolutePath() : thawJar.resolveSibling(JAR_NAME);
    }

    private static Path thawJar() {
        try {
            return Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
