package dev.thaw.deploy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One container's command, run the way a container runtime runs it: PID 1 of its own PID namespace
 * (with its own /proc), in the container's working directory, with exactly the container's
 * environment. Its output is echoed with the container's name as prefix and kept, because log lines
 * are API. Closing it kills the namespace, and with it every process inside.
 */
final class ContainerProcess implements AutoCloseable {
    private final String name;
    private final Process unshare;
    private final Map<String, String> env;
    private final List<String> privileges;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread pump;

    private ContainerProcess(String name, Process unshare, Map<String, String> env, List<String> privileges, PrintStream echo) {
        this.name = name;
        this.unshare = unshare;
        this.env = env;
        this.privileges = privileges;
        this.pump = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(unshare.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                    echo.println(name + " | " + line);
                }
            } catch (IOException ignored) {
                // the container is gone
            }
        });
    }

    /**
     * @param mounts shell commands run first inside the new mount namespace, as a runtime sets up the
     *     container's root (bind mounts of volumes, a read-only root); empty for none
     * @param privileges the command that drops to the container's capabilities (setpriv ...), run
     *     inside the new namespaces as a runtime drops them after creating the container
     */
    static ContainerProcess start(String name, List<String> command, Map<String, String> env, Path workingDir,
                                  String mounts, List<String> privileges, PrintStream echo) throws IOException {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child=SIGKILL", "--",
                "/bin/sh", "-c", "set -e; " + mounts + "\nexec \"$@\"", "container-setup"));
        argv.addAll(privileges);
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).directory(workingDir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        return new ContainerProcess(name, pb.start(), env, privileges, echo);
    }

    /** This machine's PID of the container's PID 1 (the command itself, or tini when the launcher execs it). */
    long pid1() throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            var child = unshare.toHandle().children().findFirst();
            if (child.isPresent()) {
                return child.get().pid();
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException(name + ": the container's PID 1 did not start");
    }

    /**
     * {@code kubectl exec POD -c NAME -- COMMAND}: runs a command in the container's PID and mount
     * namespaces with the container's environment and capabilities; returns its exit code and output.
     */
    Exec exec(Duration timeout, String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/nsenter", "--target", Long.toString(pid1()), "--pid", "--mount", "--"));
        argv.addAll(privileges);
        argv.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("exec " + String.join(" ", command) + " in " + name + " did not finish within " + timeout);
        }
        return new Exec(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    record Exec(int exitCode, String output) {
    }

    /** The exit code, or empty when the container still runs after {@code timeout}. */
    OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        if (!unshare.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return OptionalInt.empty();
        }
        pump.join(5000); // the last lines may still be in the pipe
        return OptionalInt.of(unshare.exitValue());
    }

    boolean isAlive() {
        return unshare.isAlive();
    }

    long count(String regex) {
        Pattern p = Pattern.compile(regex);
        return lines.stream().filter(l -> p.matcher(l).find()).count();
    }

    String name() {
        return name;
    }

    @Override
    public void close() {
        if (unshare.isAlive()) {
            unshare.toHandle().children().forEach(ProcessHandle::destroyForcibly); // PID 1: the whole namespace goes with it
            unshare.destroyForcibly();
        }
    }
}
