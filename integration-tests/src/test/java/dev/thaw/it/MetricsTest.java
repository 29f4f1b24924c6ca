package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.Http;
import dev.thaw.testkit.FreePort;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * thaw run's HTTP endpoint on a real pool: /metrics read by a Prometheus text-format parser, /readyz
 * following the ready workers through a kill -9 and its replacement, and a taken port refused before
 * any restore. Every loop is bounded in count and time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SampleAppImageExtension.class)
class MetricsTest {
    private Path work;
    private Path image;
    private Path socket;
    private int appPort;
    private ThawProcess pool;

    @BeforeAll
    void restoreFromTheSharedSampleAppImage(SampleAppImage shared) throws Exception {
        work = Files.createTempDirectory("thaw-metrics-");
        image = shared.dir(); // only restored from
        socket = work.resolve("pool.sock");
        appPort = shared.port();
    }

    @AfterEach
    void stopPool() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }

    @AfterAll
    void removeWork() throws Exception {
        TempFiles.delete(work);
    }

    private PrometheusScrape scrape(int httpPort) throws Exception {
        Http.Response r = Http.get(httpPort, "/metrics");
        assertEquals(200, r.status(), r.body());
        return PrometheusScrape.parse(r.body());
    }

    private Set<Long> readyPids(int httpPort) throws Exception {
        Set<Long> pids = new HashSet<>();
        for (JsonNode w : Http.get(httpPort, "/status").json().path("workers")) {
            if ("ready".equals(w.path("state").asText())) {
                pids.add(w.path("pid").asLong());
            }
        }
        return pids;
    }

    /** Polls /readyz until it answers {@code status}; fails with the pool's output when it does not in time. */
    private void awaitReadyz(int httpPort, int status, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = Http.get(httpPort, "/readyz").status();
            if (last == status) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("/readyz answered " + last + ", not " + status + ", for " + bound + "\n" + pool.output());
    }

    @Test
    void a_worker_killed_with_SIGKILL_counts_one_crash_replacement_and_one_more_restore_and_readyz_dips_until_it_is_back()
            throws Exception {
        int httpPort = FreePort.pick();
        pool = ThawProcess.start(work, Map.of(), "run", "--image", image.toString(), "--socket", socket.toString(),
                "--workers", "2", "--min-ready-workers", "2", "--http-address", "127.0.0.1:" + httpPort);
        pool.awaitLine("thaw: http endpoint on http://127.0.0.1:" + httpPort + " ", Duration.ofSeconds(30));
        pool.awaitLine("all 2 workers ready", Duration.ofSeconds(60));
        awaitReadyz(httpPort, 200, Duration.ofSeconds(5));
        assertEquals(200, Http.get(httpPort, "/healthz").status());

        PrometheusScrape before = scrape(httpPort);
        double crashes = before.value("thaw_worker_replacements_total", Map.of("reason", "crash"));
        long restores = before.histogramCount("thaw_restore_duration_seconds");
        assertEquals(2, restores, "two workers restored so far");
        assertEquals(2.0, before.value("thaw_workers", Map.of("state", "ready")));

        long victim = readyPids(httpPort).iterator().next();
        Process kill = new ProcessBuilder("kill", "-KILL", Long.toString(victim)).redirectErrorStream(true).start();
        assertEquals(0, kill.waitFor(), "kill " + victim + ": " + new String(kill.getInputStream().readAllBytes())
                + "\n/status: " + Http.get(httpPort, "/status").body());
        awaitReadyz(httpPort, 503, Duration.ofSeconds(5));
        awaitReadyz(httpPort, 200, Duration.ofSeconds(10));
        Set<Long> after = readyPids(httpPort);
        assertEquals(2, after.size(), after.toString());
        assertTrue(!after.contains(victim), "the killed worker was replaced: " + after);

        PrometheusScrape replaced = scrape(httpPort);
        assertEquals(crashes + 1, replaced.value("thaw_worker_replacements_total", Map.of("reason", "crash")));
        assertEquals(restores + 1, replaced.histogramCount("thaw_restore_duration_seconds"));
        assertEquals(0.0, replaced.value("thaw_worker_replacements_total", Map.of("reason", "timeout")));
        assertTrue(replaced.metrics("thaw_worker_requests_total").stream().noneMatch(m -> m.getLabels().get("pid").equals(Long.toString(victim))),
                "the killed worker's series are gone: " + replaced.metrics("thaw_worker_requests_total"));
    }

    @Test
    void workers_report_their_requests_latency_heap_and_gc_through_the_heartbeat() throws Exception {
        int httpPort = FreePort.pick();
        pool = ThawProcess.start(work, Map.of(), "run", "--image", image.toString(), "--socket", socket.toString(),
                "--workers", "2", "--http-address", "127.0.0.1:" + httpPort);
        pool.awaitLine("all 2 workers ready", Duration.ofSeconds(60));
        int requests = 40;
        for (int i = 0; i < requests; i++) {
            assertEquals(200, Http.get(appPort, "/items/7").status());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        PrometheusScrape s = scrape(httpPort);
        while (s.sum("thaw_worker_requests_total") < requests && System.nanoTime() < deadline) {
            Thread.sleep(200); // the next heartbeat (every second) carries the count
            s = scrape(httpPort);
        }
        assertEquals(requests, s.sum("thaw_worker_requests_total"), 0.0, "every request counted by some worker");
        assertEquals(2, s.metrics("thaw_worker_requests_total").size());
        for (var m : s.metrics("thaw_worker_requests_total")) {
            assertTrue(m.getLabels().keySet().containsAll(Set.of("worker", "generation", "pid")), m.getLabels().toString());
        }
        assertEquals(2, s.metrics("thaw_worker_heap_used_bytes").size());
        assertTrue(s.metrics("thaw_worker_heap_used_bytes").stream().allMatch(m -> m.value() > 1 << 20), s.metrics("thaw_worker_heap_used_bytes").toString());
        assertEquals(2, s.metrics("thaw_worker_gc_pause_seconds_total").size());
        assertEquals(2, s.metrics("thaw_worker_request_duration_seconds").size(), "one latency histogram per worker");
        assertEquals(requests, s.histogramCounts("thaw_worker_request_duration_seconds"), "one latency observation per request");
    }

    @Test
    void a_taken_http_address_is_a_one_line_error_and_no_worker_is_restored() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", FreePort.pick()));
            ThawProcess.Result r = ThawProcess.run(work, Map.of(), Duration.ofSeconds(60), "run", "--image", image.toString(),
                    "--socket", socket.toString(), "--http-address", "127.0.0.1:" + taken.getLocalPort());
            assertEquals(2, r.exitCode(), r.output());
            assertEquals("thaw: error: --http-address 127.0.0.1:" + taken.getLocalPort() + " is in use by another process: pick a free"
                    + " one with --http-address HOST:PORT, or disable the endpoint with --http-address off", r.errorLine());
            assertTrue(r.lines().stream().noneMatch(l -> l.contains("restoring")), r.output());
        }
    }
}
