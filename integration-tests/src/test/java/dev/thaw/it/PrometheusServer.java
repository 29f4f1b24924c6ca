package dev.thaw.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thaw.deploy.Promtool;
import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.Http;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Prometheus (Debian's package, installed by scripts/setup) of the test's own: it listens on
 * 127.0.0.1 only, keeps its data in a directory of the test's, scrapes the given targets every second
 * under the job {@value #JOB} and evaluates the given rule files every second. Queried through its HTTP
 * API. Closing it stops it (TERM, then KILL after 15 s).
 */
final class PrometheusServer implements AutoCloseable {
    static final String JOB = "thaw";

    private final Process process;
    private final int port;
    private final Path log;

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts Prometheus on a free port of 127.0.0.1 in {@code dir} and waits (bounded) until it is ready. */
    static PrometheusServer start(Path dir, List<String> targets, List<Path> ruleFiles) throws Exception {
        Path binary = Promtool.locate("prometheus").orElseThrow(() -> new AssertionError(Promtool.missing().orElse("no prometheus")));
        Files.createDirectories(dir);
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files: [%s]
                scrape_configs:
                  - job_name: %s
                    static_configs:
                      - targets: [%s]
                """.formatted(
                ruleFiles.stream().map(p -> "'" + p.toAbsolutePath() + "'").collect(Collectors.joining(", ")),
                JOB,
                targets.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", "))));
        int port = FreePort.pick();
        Path log = dir.resolve("prometheus.log");
        Process p = new ProcessBuilder(binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=info")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(p, port, log);
        try {
            server.awaitReady(Duration.ofSeconds(60));
        } catch (Throwable e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void awaitReady(Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("prometheus exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                if (Http.get(port, "/-/ready", Duration.ofSeconds(2)).status() == 200) {
                    return;
                }
            } catch (ConnectException | java.net.http.HttpTimeoutException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("prometheus not ready on 127.0.0.1:" + port + " within " + bound + ":\n" + log());
    }

    /** One sample of an instant vector: its labels and value. */
    record Sample(JsonNode labels, double value) {
        String label(String name) {
            return labels.path(name).asText();
        }
    }

    /** GET /api/v1/query: the instant vector {@code expr} evaluates to now; an error (a bad expression) fails. */
    List<Sample> query(String expr) throws IOException {
        JsonNode answer = api("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        JsonNode data = answer.path("data");
        if (!"vector".equals(data.path("resultType").asText())) {
            throw new AssertionError("not an instant vector (" + data.path("resultType").asText() + "): " + expr);
        }
        List<Sample> samples = new ArrayList<>();
        for (JsonNode r : data.path("result")) {
            samples.add(new Sample(r.path("metric"), Double.parseDouble(r.path("value").path(1).asText())));
        }
        return samples;
    }

    /** A successful API answer as JSON; anything else fails with Prometheus's error. */
    JsonNode api(String pathAndQuery) throws IOException {
        Http.Response r = Http.get(port, pathAndQuery);
        JsonNode json = r.json();
        if (r.status() != 200 || !"success".equals(json.path("status").asText())) {
            throw new AssertionError("prometheus answered " + r.status() + " to " + pathAndQuery + ": " + r.body());
        }
        return json;
    }

    /** The state of each alert Prometheus holds now (pending or firing) named {@code alert}, by instance. */
    List<JsonNode> alerts(String alert) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode a : api("/api/v1/alerts").path("data").path("alerts")) {
            if (alert.equals(a.path("labels").path("alertname").asText())) {
                found.add(a);
            }
        }
        return found;
    }

    String log() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
