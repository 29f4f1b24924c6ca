package dev.thaw.metrics;

import dev.thaw.criu.WorkerExit;
import dev.thaw.image.ImageManifest;
import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.pool.PoolListener;
import dev.thaw.pool.PoolStatus;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Label;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Renders docs/metrics.md from the registry itself: a pool with one worker of every kind of report is
 * fed through {@link PoolMetrics}, and every metric family it exposes is listed with its type, labels and
 * help text. So the docs cannot drift from the code (MetricsDocTest compares them).
 */
public final class MetricsDoc {
    private MetricsDoc() {
    }

    /** One row of the table: the name as Prometheus stores it, its type, its labels, its help. */
    public record Family(String exposedName, String type, Set<String> labels, String help) {
    }

    public static List<Family> families() {
        return families(examplePool());
    }

    static List<Family> families(PoolMetrics metrics) {
        return metrics.registry().getPrometheusRegistry().scrape().stream()
                .map(MetricsDoc::family)
                .sorted(Comparator.comparing(Family::exposedName))
                .toList();
    }

    private static Family family(MetricSnapshot s) {
        String name = s.getMetadata().getPrometheusName();
        String type = switch (s) {
            case CounterSnapshot c -> "counter";
            case HistogramSnapshot h -> "histogram";
            case GaugeSnapshot g -> "gauge";
            default -> "untyped";
        };
        // Per-worker families have data points only where /proc and the kernel allow; their labels are fixed.
        Set<String> labels = new TreeSet<>(WorkerSeries.NAMES.contains(name) ? WorkerSeries.LABELS : List.of());
        for (DataPointSnapshot d : s.getDataPoints()) {
            d.getLabels().forEach((Label l) -> labels.add(l.getName()));
        }
        return new Family("counter".equals(type) ? name + "_total" : name, type, labels, s.getMetadata().getHelp());
    }

    public static String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Metrics and health endpoints of `thaw run`\n\n")
          .append("<!-- Generated from the metrics registry (orchestrator/src/main/java/dev/thaw/metrics) by MetricsDocTest;")
          .append(" edit the code, not this file. Only the section \"Alerts\" at the end is written by hand. -->\n\n")
          .append("`thaw run` serves HTTP on `--http-address` (default `127.0.0.1:9191`; `off` disables it; see settings.md):\n\n")
          .append("| path | answers |\n| --- | --- |\n")
          .append("| `/metrics` | every metric below, Prometheus text format 0.0.4 |\n")
          .append("| `/healthz` | 200 while the supervisor loop turns (it turns at least once a second); 503 when it has not turned for ")
          .append(MetricsEndpoint.STUCK_AFTER.toSeconds()).append(" s. For a liveness probe |\n")
          .append("| `/readyz` | 200 while at least `--min-ready-workers` workers are ready, else 503. For a readiness probe or a load balancer |\n")
          .append("| `/status` | the pool as JSON, the same as `thaw status --json` |\n\n")
          .append("Per-worker series carry `worker` (the slot, 0..N-1), `generation` (of the image it was restored from) and `pid`\n")
          .append("(on the host). The pid tells apart a worker and its replacement while both serve for a moment during a\n")
          .append("recycle or a rolling restart. A worker's series disappear when it exits. Memory is sampled every 5 s\n")
          .append("while a worker is ready. Request latency, heap and GC come from the worker itself: its heartbeat\n")
          .append("(docs/control-protocol.md) carries them once per `--heartbeat`. Requests are counted by thaw's agent in\n")
          .append("Tomcat, Jetty, Undertow, Netty and the JDK's HttpServer with no change to the app, or by the app through\n")
          .append("`dev.thaw.lifecycle.Requests` (thaw's Jetty resource does); docs/resources.md lists the servers and versions.\n")
          .append("With any other server the request series stay at zero. GC pauses exclude ZGC's and Shenandoah's\n")
          .append("concurrent cycles. Counters of a worker start at its restore, not at the leader's start.\n\n")
          .append("Checkpoints run in `thaw checkpoint`, a separate process that exits when the image is written.\n")
          .append("`thaw run` counts and times the ones it starts itself (USR2, `thaw_checkpoint*`). Of every image it\n")
          .append("restores from, it exposes what the manifest records about its checkpoint (`thaw_image_*`, updated when\n")
          .append("HUP or a USR2 moves the pool to a newer image). `thaw_ksm_*` are machine-wide figures from `/sys/kernel/mm/ksm`, covering every\n")
          .append("process that merges, not only this pool. They are NaN where the kernel has no KSM. Per-worker KSM\n")
          .append("figures come from `/proc/PID/ksm_stat` (Linux 6.1+) and are absent without it.\n\n")
          .append("A Grafana dashboard with these panels is in `deploy/grafana/thaw.json`, and example alerting rules are in\n")
          .append("`deploy/prometheus/thaw-alerts.yml` (see [Alerts](#alerts) below).\n\n")
          .append("| metric | type | labels | meaning |\n| --- | --- | --- | --- |\n");
        for (Family f : families()) {
            md.append("| `").append(f.exposedName()).append("` | ").append(f.type()).append(" | ")
              .append(f.labels().stream().filter(l -> !"le".equals(l)).map(l -> "`" + l + "`").collect(Collectors.joining(", ")))
              .append(" | ").append(f.help().replace("|", "\\|")).append(" |\n");
        }
        return md.toString();
    }

    static ImageManifest exampleImage() {
        return new ImageManifest(ImageManifest.FORMAT, "doc", Instant.EPOCH, 1, null, List.of("java"), "/", List.of(),
                "4.2.1", null, 1, 1, List.of(), 1, 1, List.of(), null, null, null, null);
    }

    /** A pool of one ready worker (this JVM's PID, so /proc figures are real) that has reported everything once. */
    static PoolMetrics examplePool() {
        PoolMetrics metrics = new PoolMetrics(exampleImage(), 1);
        long pid = ProcessHandle.current().pid();
        PoolListener.WorkerRef w = new PoolListener.WorkerRef(0, 1, pid);
        metrics.checkpointStarted();
        metrics.checkpointFinished(true);
        metrics.restoreStarted(0, 1);
        metrics.restoreFinished(w, Duration.ofMillis(200));
        metrics.heartbeat(w, new ControlMessage.Heartbeat(0, 1, 0, 0, new ControlMessage.Latency(new long[] {1, 5}, new long[] {1, 1}, 1, 800),
                1, 2, 1, 1));
        metrics.workerExited(w, WorkerExit.ofStatus(137, true), false);
        metrics.reforkStarted(w, 2);
        metrics.reforkFinished(false);
        metrics.poolChanged(new PoolStatus(1, "leader", 0, 1, false, List.of(new PoolStatus.WorkerStatus(0, pid, 1, "ready", 1, 1, 0,
                4096, 4096, 4096, 4096, 0, 200, 100, 4096, 10, 4096, 0, 4096))));
        return metrics;
    }
}
