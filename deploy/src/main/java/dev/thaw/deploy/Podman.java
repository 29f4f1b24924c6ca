package dev.thaw.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The podman command, as the container tests run it: in the checkout (relative paths are the
 * repository's), with deploy/podman/containers.conf (runc, and ulimits within the machine's hard
 * limits), each call bounded in time. Output and errors are read together, as an operator sees them.
 */
public final class Podman {
    private final Path repo;
    private final Path containersConf;

    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** The last line of the output, for a failure message. */
        public String lastLine() {
            List<String> lines = output.strip().lines().toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }
    }

    public Podman(Path repo) {
        this.repo = repo;
        this.containersConf = repo.resolve("deploy/podman/containers.conf");
    }

    /** Why podman cannot be used here, or null when it can. */
    public static String problem() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "podman"))) {
                return null;
            }
        }
        return "podman is not installed (scripts/setup installs it)";
    }

    public Result run(Duration bound, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("podman");
        command.addAll(args);
        return exec(bound, command);
    }

    public Result run(Duration bound, String... args) throws IOException, InterruptedException {
        return run(bound, List.of(args));
    }

    /** Runs any command (a script that calls podman) with this podman configuration, in the checkout. */
    public Result exec(Duration bound, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(repo.toFile());
        pb.environment().put("CONTAINERS_CONF", containersConf.toString());
        Path out = Files.createTempFile("thaw-podman", ".log");
        try {
            pb.redirectOutput(out.toFile());
            Process p = pb.start();
            if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
                return new Result(-1, Files.readString(out, StandardCharsets.UTF_8) + "\n(" + String.join(" ", command)
                        + " did not finish within " + bound.toSeconds() + " s)");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
