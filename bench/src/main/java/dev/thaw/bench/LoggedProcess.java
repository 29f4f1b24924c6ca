package dev.thaw.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server process whose output is read line by line as it arrives, each line stamped with the
 * moment it was read: log lines are API ({@code thaw: worker=2 gen=1 pid=48213 ready in 212 ms}),
 * and the time a line arrives is when an operator would have seen the event. Every line also goes to
 * a log file in the work directory.
 */
final class LoggedProcess implements AutoCloseable {
    /** One line of output and when it was read ({@link System#nanoTime()}). */
    record Line(long nanos, String text) {
    }

    private final Process process;
    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final Thread pump;

    private LoggedProcess(Process process, Path log) {
        this.process = process;
        this.pump = Thread.ofPlatform().daemon().name("thaw-bench-output-" + process.pid()).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter file = new PrintWriter(Files.newBufferedWriter(log))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(new Line(System.nanoTime(), line));
                    file.println(line);
                    file.flush();
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        });
    }

    static LoggedProcess start(List<String> command, Path log) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        return new LoggedProcess(p, log);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** How many lines have arrived: a cursor for {@link #await(Pattern, int, long)}. */
    int mark() {
        return lines.size();
    }

    /**
     * The first line at or after {@code from} that matches, waiting for it at most {@code timeoutMillis};
     * empty when it did not come or the process ended without it.
     */
    Optional<Found> await(Pattern pattern, int from, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        int next = from;
        while (true) {
            for (; next < lines.size(); next++) {
                Matcher m = pattern.matcher(lines.get(next).text());
                if (m.find()) {
                    return Optional.of(new Found(next, lines.get(next).nanos(), m));
                }
            }
            if (System.nanoTime() > deadline || (!process.isAlive() && next >= lines.size() && !pump.isAlive())) {
                return Optional.empty();
            }
            Thread.sleep(2);
        }
    }

    /** A matching line: its index, when it arrived, and its groups. */
    record Found(int index, long nanos, Matcher match) {
        String group(int i) {
            return match.group(i);
        }
    }

    /** The last lines, for an error message. */
    String tail(int n) {
        List<Line> all = List.copyOf(lines);
        StringBuilder sb = new StringBuilder();
        for (Line l : all.subList(Math.max(0, all.size() - n), all.size())) {
            sb.append("\n  ").append(l.text());
        }
        return sb.toString();
    }

    void signal(String name) throws IOException, InterruptedException {
        signal(name, process.pid());
    }

    static void signal(String name, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + pid + " failed");
        }
    }

    /** TERM, then KILL after {@code graceSeconds}: the whole tree goes, children included. */
    void stop(int graceSeconds) throws InterruptedException {
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        pump.join(5000);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(20);
        }
    }
}
