package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thaw.deploy.AlertRules;
import dev.thaw.deploy.DashboardQueries;
import dev.thaw.deploy.Promtool;
import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.Http;
import dev.thaw.testkit.MachineRequirement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * thaw run's /metrics meets a real Prometheus (Debian's package, scripts/setup): promtool accepts the
 * exposition, a Prometheus of the test's own scrapes a live pool every second, and every expression of
 * the Grafana dashboard (deploy/grafana/thaw.json) and of the alerting rules
 * (deploy/prometheus/thaw-alerts.yml) returns series for that pool through Prometheus's query API. The
 * pool is made to produce what some series need: crashes (kill -9), traffic, a scale-down below
 * --min-ready-workers, and recycling by --max-memory. The rules are loaded into that Prometheus too, so
 * it is Prometheus's own rule evaluation that is seen to fire or go pending.
 *
 * <p>The tests run in order on one pool (the later ones change it). Everything is on 127.0.0.1 and every
 * wait is bounded. The image is the shared one of SampleAppImageExtension, only restored from.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SampleAppImageExtension.class)
class PrometheusTest {
    private static final Path DASHBOARD = Environment.REPO.resolve("deploy/grafana/thaw.json");
    private static final Path RULES = Environment.REPO.resolve(Promtool.ALERT_RULES);
    private static final int REQUESTS = 300;
    private static final int CRASHES = 4;

    private Path work;
    private SampleAppImage shared;
    private Path image;
    private int httpA;
    private int httpB;
    private String instanceA;
    private String instanceB;
    private PrometheusServer prometheus;
    private Pool poolA;
    private Pool poolB;

    @BeforeAll
    void startPrometheusAndAPool(SampleAppImage shared) throws Exception {
        Promtool.missing().ifPresent(MachineRequirement::unmet);
        work = Files.createTempDirectory("thaw-prometheus-");
        this.shared = shared;
        image = shared.dir();
        httpA = FreePort.pick();
        do {
            httpB = FreePort.pick();
        } while (httpB == httpA);
        instanceA = "127.0.0.1:" + httpA;
        instanceB = "127.0.0.1:" + httpB;
        // Pool B (memory recycling, the last test) is a target from the start; it is down until then.
        prometheus = PrometheusServer.start(work.resolve("prometheus"), List.of(instanceA, instanceB), List.of(RULES));
        poolA = Pool.start(work, image, work.resolve("a.sock"), "--workers", "2", "--min-ready-workers", "2",
                "--http-address", instanceA);
        poolA.thaw().awaitLine("all 2 workers ready", Duration.ofSeconds(90));
    }

    @AfterAll
    void stopEverything() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {poolA, poolB, prometheus}) {
            if (c != null) {
                c.close();
            }
        }
        TempFiles.delete(work);
    }

    @Test
    @Order(1)
    void promtool_check_metrics_accepts_the_exposition_without_a_lint_warning() throws Exception {
        Http.Response r = Http.get(httpA, "/metrics");
        assertEquals(200, r.status(), r.body());
        Promtool.Result check = Promtool.checkMetrics(r.body());
        assertEquals("", check.output().strip(), "promtool check metrics has something to say about /metrics:\n" + r.body());
        assertTrue(check.ok(), check.output());
        // And Prometheus scrapes it: the target is up, and what it stored carries the job and instance the dashboard selects by.
        awaitQuery("up{instance=\"" + instanceA + "\"} == 1", s -> !s.isEmpty(), Duration.ofSeconds(30));
        JsonNode jobs = prometheus.api("/api/v1/label/job/values?match%5B%5D=thaw_workers").path("data");
        assertEquals(List.of(PrometheusServer.JOB), List.of(jobs.path(0).asText()), jobs.toString());
    }

    /**
     * Every target of every panel, with the dashboard's variables set as a user viewing this pool sets
     * them: job and instance to this pool's. {@code $__rate_interval} (Grafana's window for rate()) is set to
     * 2m and {@code $__range} (the dashboard's time range) to 5m, so the windows span everything this test
     * did since the pool started; Grafana would pick a few seconds for a 1 s scrape on a short range.
     */
    @Test
    @Order(2)
    void every_dashboard_query_returns_series_from_the_live_pool() throws Exception {
        // Crashes and their replacements, restores beyond the first ones, then traffic for the request panels.
        Set<Long> gone = new HashSet<>();
        for (int i = 0; i < CRASHES; i++) {
            long victim = poolA.readyPids().iterator().next();
            Pool.signal("KILL", victim);
            gone.add(victim);
            poolA.awaitReady(2, gone, Duration.ofSeconds(30));
        }
        for (int i = 0; i < REQUESTS; i++) {
            assertEquals(200, Http.get(shared.port(), "/items/" + (i % 50)).status());
        }
        // The workers report their counts in their next heartbeat (1 s), Prometheus scrapes every second.
        String sel = "{instance=\"" + instanceA + "\"}";
        awaitQuery("sum(thaw_worker_requests_total" + sel + ") >= " + REQUESTS, s -> !s.isEmpty(), Duration.ofSeconds(30));
        awaitQuery("sum(thaw_worker_replacements_total{instance=\"" + instanceA + "\",reason=\"crash\"}) >= " + CRASHES,
                s -> !s.isEmpty(), Duration.ofSeconds(30));
        awaitQuery("count(thaw_worker_pss_bytes" + sel + ") == 2", s -> !s.isEmpty(), Duration.ofSeconds(30)); // sampled every 5 s

        Map<String, String> variables = Map.of("job", PrometheusServer.JOB, "instance", instanceA,
                "__rate_interval", "2m", "__range", "5m");
        List<DashboardQueries.Query> queries = DashboardQueries.read(DASHBOARD);
        assertTrue(queries.size() >= 20, "the dashboard has its panels: " + queries.size());
        // A series whose value is 0 is data too: counters exist from the pool's start, and some stay at 0 here
        // (restore failures, checkpoints: no USR2 ran, requests in flight, GC pause time of short-lived workers).
        // What must not happen is no series (a wrong metric or label name) or only NaN (a quantile of nothing).
        boolean ksmStat = Files.exists(Path.of("/proc/self/ksm_stat"));
        List<String> failures = new ArrayList<>();
        StringBuilder seen = new StringBuilder();
        for (DashboardQueries.Query q : queries) {
            String expr = q.with(variables);
            List<PrometheusServer.Sample> samples = prometheus.query(expr);
            seen.append(q.panel()).append(" / ").append(q.refId()).append(": ").append(samples.size()).append(" series ")
                    .append(samples.stream().map(s -> String.valueOf(s.value())).limit(4).toList()).append('\n');
            if (expr.contains("thaw_worker_ksm_") && !ksmStat) {
                // Per-worker KSM figures come from /proc/PID/ksm_stat (Linux 6.1+); docs/metrics.md says they are absent without it.
                continue;
            }
            if (samples.isEmpty()) {
                failures.add(q.panel() + " / " + q.refId() + ": no series for " + expr);
            } else if (samples.stream().allMatch(s -> Double.isNaN(s.value()))) {
                failures.add(q.panel() + " / " + q.refId() + ": only NaN for " + expr);
            }
        }
        System.out.print("PrometheusTest: what each dashboard query returned:\n" + seen);
        assertEquals(List.of(), failures, "dashboard queries without data; what each returned:\n" + seen + "\npool:\n" + poolA.thaw().output());
        // Values worth seeing, not only present: the crashes are counted and the traffic is there.
        double crashes = prometheus.query("sum(increase(thaw_worker_replacements_total{instance=\"" + instanceA + "\",reason=\"crash\"}[5m]))")
                .get(0).value();
        assertTrue(crashes >= CRASHES - 0.5, "increase of crash replacements " + crashes);
        double p99 = prometheus.query(queries.stream().filter(q -> q.expr().contains("thaw_restore_duration_seconds_bucket"))
                .filter(q -> q.expr().contains("0.99")).findFirst().orElseThrow().with(variables)).get(0).value();
        assertTrue(p99 > 0 && p99 <= 60, "restore p99 " + p99);
    }

    /**
     * Every alert's expression evaluated against the live pool, each in the state that makes it true
     * where the test can make it so: Prometheus (which loaded the same rules) is seen to fire or hold the
     * alert pending. Restores slower than ThawRestoreSlow's 2.5 s cannot be made honestly, so its
     * expression is evaluated with that threshold at 0: the same query, on the pool's real restores.
     */
    @Test
    @Order(3)
    void every_alert_expression_returns_series_from_a_live_pool() throws Exception {
        Map<String, AlertRules.Rule> rules = AlertRules.read(RULES).stream()
                .collect(Collectors.toMap(AlertRules.Rule::alert, r -> r));
        Set<String> checked = new TreeSet<>();

        // 4 crashes in the previous test: more than 3 in 10 minutes. ThawWorkerCrashLoop has no 'for': it fires.
        AlertRules.Rule crashLoop = rules.get("ThawWorkerCrashLoop");
        List<PrometheusServer.Sample> crashing = forInstance(prometheus.query(crashLoop.expr()), instanceA);
        assertEquals(1, crashing.size(), crashLoop.expr());
        assertTrue(crashing.get(0).value() > 3, crashing.toString());
        awaitAlert("ThawWorkerCrashLoop", instanceA, "firing", Duration.ofSeconds(20));
        checked.add(crashLoop.alert());

        AlertRules.Rule slow = rules.get("ThawRestoreSlow");
        assertEquals(1, count(slow.expr(), "> 2.5"), slow.expr());
        String anyRestore = slow.expr().replace("> 2.5", "> 0");
        List<PrometheusServer.Sample> restores = forInstance(prometheus.query(anyRestore), instanceA);
        assertEquals(1, restores.size(), anyRestore + "\n" + prometheus.query(anyRestore));
        assertTrue(restores.get(0).value() > 0 && restores.get(0).value() <= 60, "p90 of restores " + restores);
        checked.add(slow.alert());

        // TTOU: one worker where --min-ready-workers is 2. The rule holds 2 minutes before it fires: pending is its state here.
        AlertRules.Rule belowMin = rules.get("ThawPoolBelowMinReady");
        poolA.signal("TTOU");
        awaitQuery(belowMin.expr(), s -> !forInstance(s, instanceA).isEmpty(), Duration.ofSeconds(30));
        assertEquals(1.0, forInstance(prometheus.query(belowMin.expr()), instanceA).get(0).value(), "one ready worker");
        awaitAlert("ThawPoolBelowMinReady", instanceA, "pending", Duration.ofSeconds(20));
        List<JsonNode> pendingBelowMin = prometheus.alerts("ThawPoolBelowMinReady");
        assertEquals(503, Http.get(httpA, "/readyz").status(), "/readyz agrees");
        checked.add(belowMin.alert());

        // Pool B: one worker and --max-memory 1 (MiB), below any JVM: recycled at each memory sample (every 5 s).
        // More than 2 x 1 recycles in the hour makes the rule true; it holds 5 minutes before firing: pending.
        assertEquals(0, poolA.thaw().stop(Duration.ofSeconds(60)), poolA.thaw().output());
        shared.awaitPortFree(Duration.ofSeconds(30)); // pool A's workers are gone
        poolB = Pool.start(work, image, work.resolve("b.sock"), "--workers", "1", "--max-memory", "1",
                "--http-address", instanceB);
        AlertRules.Rule memory = rules.get("ThawMemoryRecyclingFrequent");
        awaitQuery(memory.expr(), s -> !forInstance(s, instanceB).isEmpty(), Duration.ofSeconds(120));
        awaitAlert("ThawMemoryRecyclingFrequent", instanceB, "pending", Duration.ofSeconds(20));
        assertTrue(poolB.thaw().count("max-memory: ") >= 3, "thaw logged the recycles:\n" + poolB.thaw().output());
        checked.add(memory.alert());

        System.out.println("PrometheusTest: alerts seen: crash loop " + crashing + ", restore p90 " + restores + ", below min ready "
                + pendingBelowMin + ", memory recycling " + forInstance(prometheus.query(memory.expr()), instanceB));
        assertEquals(new TreeSet<>(rules.keySet()), checked, "every alert in " + RULES + " is evaluated here");
    }

    private static List<PrometheusServer.Sample> forInstance(List<PrometheusServer.Sample> samples, String instance) {
        return samples.stream().filter(s -> instance.equals(s.label("instance"))).toList();
    }

    private static int count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    /** Queries {@code expr} until {@code done} holds for its result; fails with the last result and both logs when it does not. */
    private List<PrometheusServer.Sample> awaitQuery(String expr, Predicate<List<PrometheusServer.Sample>> done, Duration bound)
            throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        List<PrometheusServer.Sample> last = prometheus.query(expr);
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + bound + ": " + expr + " -> " + last + "\nprometheus:\n" + prometheus.log()
                        + "\npool:\n" + (poolB != null ? poolB : poolA).thaw().output());
            }
            Thread.sleep(500);
            last = prometheus.query(expr);
        }
        return last;
    }

    /** Waits until Prometheus holds {@code alert} for {@code instance} in {@code state} (pending or firing). */
    private void awaitAlert(String alert, String instance, String state, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        List<JsonNode> last = prometheus.alerts(alert);
        while (last.stream().noneMatch(a -> instance.equals(a.path("labels").path("instance").asText())
                && state.equals(a.path("state").asText()))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(alert + " for " + instance + " is not " + state + " within " + bound + ": " + last
                        + "\nrules: " + prometheus.api("/api/v1/rules").toString());
            }
            Thread.sleep(500);
            last = prometheus.alerts(alert);
        }
    }
}
