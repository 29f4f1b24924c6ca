package dev.thaw.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.ThawException;
import dev.thaw.pool.PoolStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
    private final HttpClient http = HttpClient.newHttpClient();
    private MetricsEndpoint endpoint;

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
    }

    private PoolMetrics startWith(int minReady) {
        PoolMetrics pool = new PoolMetrics(MetricsDoc.exampleImage(), minReady);
        endpoint = MetricsEndpoint.start(new EndpointSettings(Optional.of(new InetSocketAddress("127.0.0.1", 0)), minReady), pool, out);
        return pool;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static PoolStatus pool(String... states) {
        List<PoolStatus.WorkerStatus> workers = new java.util.ArrayList<>();
        for (int i = 0; i < states.length; i++) {
            workers.add(new PoolStatus.WorkerStatus(i, 1000 + i, 1, states[i], 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        }
        return new PoolStatus(1, "leader", 0, states.length, false, workers);
    }

    @Test
    void readyz_is_503_below_the_minimum_of_ready_workers_and_200_at_it() throws Exception {
        PoolMetrics metrics = startWith(2);
        assertEquals(503, get("/readyz").statusCode(), "no pool yet");
        metrics.poolChanged(pool("ready", "restoring"));
        HttpResponse<String> notReady = get("/readyz");
        assertEquals(503, notReady.statusCode());
        assertEquals("not ready: 1 of at least 2 workers ready\n", notReady.body());
        metrics.poolChanged(pool("ready", "ready"));
        assertEquals(200, get("/readyz").statusCode());
        assertEquals(200, get("/healthz").statusCode());
    }

    @Test
    void status_is_the_same_json_as_thaw_status_and_metrics_is_prometheus_text() throws Exception {
        PoolMetrics metrics = startWith(1);
        assertEquals(503, get("/status").statusCode(), "no pool yet");
        metrics.poolChanged(pool("ready", "draining"));
        HttpResponse<String> status = get("/status");
        assertEquals(200, status.statusCode());
        assertEquals(pool("ready", "draining").workers().size(), PoolStatus.fromJson(status.body()).workers().size());
        assertEquals("draining", PoolStatus.fromJson(status.body()).workers().get(1).state());
        HttpResponse<String> scrape = get("/metrics");
        assertEquals(200, scrape.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", scrape.headers().firstValue("content-type").orElseThrow());
        assertTrue(scrape.body().contains("thaw_workers{state=\"draining\"} 1.0"), scrape.body());
        assertEquals(404, get("/nothing").statusCode());
        assertTrue(log.toString(StandardCharsets.UTF_8).startsWith("thaw: http endpoint on http://127.0.0.1:" + endpoint.port() + " "),
                log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void a_port_in_use_is_a_one_line_usage_error_naming_the_address_and_the_fix() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            PoolMetrics metrics = MetricsDoc.examplePool();
            ThawException e = assertThrows(ThawException.class, () -> MetricsEndpoint.start(
                    new EndpointSettings(Optional.of(new InetSocketAddress("127.0.0.1", port)), 1), metrics, out));
            assertEquals(ThawException.EXIT_USAGE, e.exitCode());
            assertEquals("--http-address 127.0.0.1:" + port + " is in use by another process: pick a free one with"
                    + " --http-address HOST:PORT, or disable the endpoint with --http-address off", e.getMessage());
        }
    }

    @Test
    void off_serves_nothing() {
        endpoint = MetricsEndpoint.start(new EndpointSettings(Optional.empty(), 1), MetricsDoc.examplePool(), out);
        assertEquals(-1, endpoint.port());
        assertEquals("", log.toString(StandardCharsets.UTF_8));
    }
}
