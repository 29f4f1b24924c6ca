package dev.thaw.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code scripts/thaw} launcher run as a user runs it, with its output collected line by
 * line so that tests can wait for log lines (log lines are API) and show everything on failure.
 */
final class ThawProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread pump;

    private ThawProcess(Process process) {
        this.process = process;
        this.pump = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // process gone
            }
        });
    }

    static ThawProcess start(Path cwd, Map<String, String> env, String... args) throws IOException {
        return startUnder(List.of(), cwd, env, args);
    }

    /** thaw started through {@code wrapper} (e.g. unshare, to be PID 1 as in a container). */
    static ThawProcess startUnder(List<String> wrapper, Path cwd, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.add(Environment.THAW.toString());
        return startCommand(command, List.of(), cwd, env, args);
    }

    /**
     * An installed thaw, not this checkout's: {@code launcher} is its bin/thaw (the release archive
     * unpacked). Nothing points it back at the checkout: $THAW_AGENT and $THAW_BENCH_JAR are unset.
     */
    static ThawProcess startInstalled(Path launcher, Path cwd, Map<String, String> env, String... args) throws IOException {
        return startCommand(List.of(launcher.toString()), List.of("THAW_AGENT", "THAW_BENCH_JAR"), cwd, env, args);
    }

    /** {@link #startInstalled} to completion (bounded): its exit code and output. */
    static Result runInstalled(Path launcher, Path cwd, Duration timeout, String... args) throws Exception {
        return await(startInstalled(launcher, cwd, Map.of(), args), timeout, args);
    }

    private static ThawProcess startCommand(List<String> launcher, List<String> unset, Path cwd, Map<String, String> env, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        unset.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        // thaw run serves HTTP on 127.0.0.1:9191 by default; tests run side by side on one machine, so each pool
        // gets a port of the kernel's choosing unless the test names one (a flag wins over the environment).
        pb.environment().putIfAbsent("THAW_HTTP_ADDRESS", "127.0.0.1:0");
        // Likewise the control socket (default /run/thaw/thaw.sock): one per thaw process unless a test names it.
        pb.environment().putIfAbsent("THAW_SOCKET", cwd.toAbsolutePath().resolve("thaw-" + java.util.UUID.randomUUID().toString().substring(0, 8) + ".sock").toString());
        return new ThawProcess(pb.start());
    }

    /** Runs thaw to completion (bounded) and returns its exit code and output. */
    static Result run(Path cwd, Map<String, String> env, Duration timeout, String... args) throws Exception {
        return await(start(cwd, env, args), timeout, args);
    }

    /** {@link #startUnder} to completion (bounded): its exit code and output. */
    static Result runUnder(List<String> wrapper, Path cwd, Duration timeout, String... args) throws Exception {
        return await(startUnder(wrapper, cwd, Map.of(), args), timeout, args);
    }

    private static Result await(ThawProcess started, Duration timeout, String... args) throws Exception {
        try (ThawProcess p = started) {
            if (!p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("thaw " + String.join(" ", args) + " did not finish within " + timeout + "\n" + p.output());
            }
            p.pump.join(5000);
            return new Result(p.process.exitValue(), List.copyOf(p.lines));
        }
    }

    /** Waits for a line matching {@code regex}; fails with the whole output when it does not come. */
    Matcher awaitLine(String regex, Duration timeout) throws InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : lines) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (!process.isAlive() && !pump.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no line matching /" + regex + "/ within " + timeout + "; output:\n" + output());
    }

    long count(String regex) {
        Pattern p = Pattern.compile(regex);
        return lines.stream().filter(l -> p.matcher(l).find()).count();
    }

    String output() {
        return String.join("\n", lines);
    }

    Process process() {
        return process;
    }

    /** TERM, as Kubernetes and systemd send it (a graceful stop; Ctrl-C sends INT, the fast stop); then waits for the exit. */
    int stop(Duration timeout) throws InterruptedException {
        // Through the handle: Process.destroy() would also close our end of thaw's output pipe.
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("thaw did not stop within " + timeout + " after TERM; output:\n" + output());
        }
        pump.join(5000); // the last lines may still be in the pipe
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    record Result(int exitCode, List<String> lines) {
        String output() {
            return String.join("\n", lines);
        }

        /** The one-line error thaw printed, or an assertion error showing everything. */
        String errorLine() {
            return lines.stream().filter(l -> l.startsWith("thaw: error: ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no 'thaw: error:' line in:\n" + output()));
        }
    }
}
