package dev.thaw.cli;

import dev.thaw.control.ControlServer;
import dev.thaw.engine.Bytes;
import dev.thaw.engine.Criu;
import dev.thaw.engine.ImageDirectory;
import dev.thaw.engine.ImageManifest;
import dev.thaw.engine.Privileges;
import dev.thaw.engine.Restorer;
import dev.thaw.engine.ThawException;
import dev.thaw.supervisor.RunSettings;
import dev.thaw.supervisor.Supervisor;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

@Command(name = "run", sortOptions = false,
        description = {"Restore N workers from an image and supervise them until TERM or INT (Ctrl-C).",
                "Each worker's output is forwarded, prefixed with 'worker=N | '."},
        footer = {"", "Example:", "  thaw run --image /var/lib/thaw/app --workers 4"})
public final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--image", required = true, paramLabel = "DIR", description = "Image directory made by 'thaw checkpoint'.")
    Path image;

    @Option(names = {"-w", "--workers"}, paramLabel = "N", defaultValue = "2",
            description = "Number of workers to keep serving (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--ready-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "A worker not ready this long after its restore began is killed (default: ${DEFAULT-VALUE}).")
    long readyTimeoutSeconds;

    @Option(names = "--graceful-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long stopping workers may drain before they are killed (default: ${DEFAULT-VALUE}).")
    long gracefulTimeoutSeconds;

    @Option(names = "--max-boot-failures", paramLabel = "N", defaultValue = "3",
            description = "Halt after a worker slot fails to boot this many times in a row (default: ${DEFAULT-VALUE}).")
    int maxBootFailures;

    @Option(names = "--env", paramLabel = "NAME=VALUE",
            description = "Environment override for every worker, read by the app through Thaw.getenv; repeatable.")
    Map<String, String> env = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        RunSettings settings = settings();
        ImageDirectory dir = new ImageDirectory(image);
        ImageManifest manifest = dir.verify();
        Criu criu = Criu.locate();
        Privileges.require("thaw run");
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
        out.println("thaw: image " + dir.target() + ": generation " + manifest.generation() + ", "
                + Bytes.human(manifest.imageBytes()) + ", " + manifest.jdk().vendor() + " " + manifest.jdk().version()
                + ", made " + manifest.createdAt());
        Path runDir = Files.createTempDirectory("thaw-run-");
        boolean clean = false;
        try {
            Path socket = runDir.resolve("control.sock");
            Supervisor supervisor = new Supervisor(new Restorer(criu, dir.target(), manifest, runDir), settings, socket, out);
            try (ControlServer ignored = ControlServer.open(socket, supervisor::post)) {
                installSignalHandlers(supervisor);
                int code = supervisor.run();
                clean = true;
                return code;
            }
        } catch (ThawException e) {
            throw new ThawException(e.exitCode(), e.getMessage() + " (restore logs kept in " + runDir + ")", e);
        } finally {
            if (clean) {
                ImageDirectory.deleteRecursively(runDir);
            }
        }
    }

    /** Handlers only queue the signal; the supervisor loop acts on it. */
    private static void installSignalHandlers(Supervisor supervisor) {
        for (String name : List.of("TERM", "INT", "QUIT", "HUP", "USR1", "USR2", "TTIN", "TTOU")) {
            try {
                Signal.handle(new Signal(name), s -> supervisor.signal(s.getName()));
            } catch (IllegalArgumentException e) {
                // The JVM keeps some signals for itself (QUIT prints a thread dump unless -Xrs).
            }
        }
    }

    private RunSettings settings() {
        if (workers < 1 || workers > 1024) {
            throw new ThawException(ThawException.EXIT_USAGE, "--workers must be between 1 and 1024, got " + workers);
        }
        if (readyTimeoutSeconds < 1 || gracefulTimeoutSeconds < 0) {
            throw new ThawException(ThawException.EXIT_USAGE, "--ready-timeout must be >= 1 and --graceful-timeout >= 0");
        }
        if (maxBootFailures < 1) {
            throw new ThawException(ThawException.EXIT_USAGE, "--max-boot-failures must be >= 1");
        }
        return new RunSettings(workers, Duration.ofSeconds(readyTimeoutSeconds), Duration.ofSeconds(gracefulTimeoutSeconds),
                maxBootFailures, Duration.ofSeconds(1), env);
    }
}
