package dev.thaw.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus's own tools, as Debian's {@code prometheus} package installs them (scripts/setup):
 * {@code promtool} checks an exposition and alerting rules and unit-tests the rules, {@code prometheus}
 * is the server the live tests scrape a pool with. Found on PATH or in /usr/bin.
 */
public final class Promtool {
    /** The rules and their unit tests, relative to the repository. */
    public static final String ALERT_RULES = "deploy/prometheus/thaw-alerts.yml";
    public static final String ALERT_TESTS = "deploy/prometheus/thaw-alerts.test.yml";

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Promtool() {
    }

    /** What a promtool run printed (stdout and stderr together) and its exit code. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** {@code promtool} or {@code prometheus}, if installed. */
    public static Optional<Path> locate(String tool) {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, tool));
                }
            }
        }
        candidates.add(Path.of("/usr/bin", tool));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** Why the tests cannot run promtool and prometheus here, or empty when they can. */
    public static Optional<String> missing() {
        for (String tool : List.of("promtool", "prometheus")) {
            if (locate(tool).isEmpty()) {
                return Optional.of(tool + " not found on PATH or in /usr/bin (Debian's package prometheus; scripts/setup installs it)");
            }
        }
        return Optional.empty();
    }

    /** Runs {@code promtool ARGS}, with {@code stdin} as its input when not null; bounded by 60 s. */
    public static Result run(String stdin, String... args) {
        Path promtool = locate("promtool").orElseThrow(() -> new IllegalStateException(missing().orElse("promtool not found")));
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + TIMEOUT);
            }
            return new Result(p.exitValue(), out.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    /** {@code promtool check metrics}: the exposition parses, and promtool's lint (names, units, help) has nothing to say. */
    public static Result checkMetrics(String exposition) {
        return run(exposition, "check", "metrics");
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
