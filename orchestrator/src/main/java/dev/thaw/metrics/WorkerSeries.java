package dev.thaw.metrics;

import dev.thaw.host.PageMerging;
import dev.thaw.pool.PoolStatus;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The per-worker series, labelled {@code worker} (slot), {@code generation} and {@code pid} (a slot's old
 * worker and its replacement serve side by side for a moment, with the same slot and generation). Their
 * values are already aggregated elsewhere (the workers' heartbeats, the supervisor's memory samples,
 * /proc/PID/ksm_stat), so they are read at scrape time by a Prometheus collector rather than recorded
 * into Micrometer meters; a worker's series disappear with the worker.
 */
final class WorkerSeries implements MultiCollector {
    static final List<String> LABELS = List.of("worker", "generation", "pid");
    static final List<String> NAMES = List.of("thaw_worker_rss_bytes", "thaw_worker_pss_bytes", "thaw_worker_shared_bytes",
            "thaw_worker_private_bytes", "thaw_worker_anonymous_bytes", "thaw_worker_restore_mapped_bytes",
            "thaw_worker_restore_copied_bytes", "thaw_worker_ksm_merging_bytes", "thaw_worker_ksm_profit_bytes", "thaw_worker_requests",
            "thaw_worker_requests_in_flight", "thaw_worker_request_duration_seconds", "thaw_worker_heap_used_bytes",
            "thaw_worker_heap_committed_bytes", "thaw_worker_gc_pause_seconds", "thaw_worker_gc_pauses");

    private final Supplier<Optional<PoolStatus>> pool;
    private final Map<Long, HeartbeatReport> reports = new ConcurrentHashMap<>();

    WorkerSeries(Supplier<Optional<PoolStatus>> pool) {
        this.pool = pool;
    }

    void heartbeat(long pid, HeartbeatReport report) {
        reports.put(pid, report);
    }

    void gone(long pid) {
        reports.remove(pid);
    }

    /** One worker at scrape time: what the supervisor knows, what it last reported, its page merging. */
    private record Row(Labels labels, PoolStatus.WorkerStatus status, HeartbeatReport report,
                       Optional<PageMerging.ProcessStats> ksm) {
    }

    @Override
    public MetricSnapshots collect() {
        List<Row> rows = new ArrayList<>();
        // A restoring worker has reported nothing yet, and until its restore is done its PID is criu's, not its own.
        pool.get().ifPresent(p -> p.workers().stream().filter(w -> !"restoring".equals(w.state())).forEach(w -> rows.add(new Row(
                Labels.of(LABELS.get(0), Integer.toString(w.worker()), LABELS.get(1), Long.toString(w.generation()),
                        LABELS.get(2), Long.toString(w.pid())),
                w, reports.getOrDefault(w.pid(), HeartbeatReport.NONE),
                "ready".equals(w.state()) ? PageMerging.of(w.pid()) : Optional.empty()))));
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(gauge("thaw_worker_rss_bytes", "Resident memory of the worker's JVM (smaps_rollup Rss), sampled every 5 s while ready.",
                rows, r -> memory(r.status().rssBytes())));
        out.add(gauge("thaw_worker_pss_bytes", "Proportional set size: the worker's own pages plus its share of pages shared with others (smaps_rollup Pss).",
                rows, r -> memory(r.status().pssBytes())));
        out.add(gauge("thaw_worker_shared_bytes", "Resident pages the worker shares with other processes (smaps_rollup Shared_Clean + Shared_Dirty).",
                rows, r -> memory(r.status().sharedBytes())));
        out.add(gauge("thaw_worker_private_bytes", "Resident pages only this worker uses (smaps_rollup Private_Clean + Private_Dirty).",
                rows, r -> memory(r.status().privateBytes())));
        out.add(gauge("thaw_worker_anonymous_bytes", "Anonymous pages of the worker (smaps_rollup Anonymous): with --restore-mode map, what it"
                        + " wrote since its restore (copy-on-write) plus what it allocated; with copy, the whole copy too.",
                rows, r -> memory(r.status().anonymousBytes())));
        out.add(gauge("thaw_worker_restore_mapped_bytes", "Memory the worker's restore mapped copy-on-write from the image (--restore-mode map).",
                rows, r -> OptionalLong.of(r.status().mappedBytes())));
        out.add(gauge("thaw_worker_restore_copied_bytes", "Memory the worker's restore copied from the image into its own pages.",
                rows, r -> OptionalLong.of(r.status().copiedBytes())));
        out.add(gauge("thaw_worker_ksm_merging_bytes", "The worker's pages merged by KSM with identical pages (/proc/PID/ksm_stat ksm_merging_pages); absent without ksm_stat.",
                rows, r -> r.ksm().map(k -> OptionalLong.of(k.mergingPages() * PageMerging.PAGE_SIZE)).orElse(OptionalLong.empty())));
        out.add(gauge("thaw_worker_ksm_profit_bytes", "Memory KSM saves on this worker, net of its bookkeeping (/proc/PID/ksm_stat ksm_process_profit); absent without ksm_stat.",
                rows, r -> r.ksm().map(k -> OptionalLong.of(k.profitBytes())).orElse(OptionalLong.empty())));
        out.add(counter("thaw_worker_requests", "Requests the worker has served since its restore (heartbeat).",
                rows, r -> r.report().requests().isPresent() ? r.report().requests() : OptionalLong.of(r.status().requests()), 1));
        out.add(gauge("thaw_worker_requests_in_flight", "Requests the worker is serving now (heartbeat).",
                rows, r -> r.report().inFlight()));
        out.add(latency(rows));
        out.add(gauge("thaw_worker_heap_used_bytes", "Java heap in use in the worker (heartbeat).", rows, r -> r.report().heapUsedBytes()));
        out.add(gauge("thaw_worker_heap_committed_bytes", "Java heap committed by the worker's JVM (heartbeat).",
                rows, r -> r.report().heapCommittedBytes()));
        out.add(counter("thaw_worker_gc_pause_seconds", "Time the worker's JVM spent in stop-the-world GC pauses since its restore (heartbeat).",
                rows, r -> r.report().gcPauseMillis(), 0.001));
        out.add(counter("thaw_worker_gc_pauses", "GC pauses of the worker's JVM since its restore (heartbeat).", rows, r -> r.report().gcCount(), 1));
        return new MetricSnapshots(out);
    }

    @Override
    public List<String> getPrometheusNames() {
        return NAMES;
    }

    /** Memory is sampled only while a worker is ready; 0 means "not sampled yet", not an empty process. */
    private static OptionalLong memory(long bytes) {
        return bytes > 0 ? OptionalLong.of(bytes) : OptionalLong.empty();
    }

    private static GaugeSnapshot gauge(String name, String help, List<Row> rows, Function<Row, OptionalLong> value) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        for (Row r : rows) {
            value.apply(r).ifPresent(v -> b.dataPoint(GaugeDataPointSnapshot.builder().labels(r.labels()).value(v).build()));
        }
        return b.build();
    }

    private static CounterSnapshot counter(String name, String help, List<Row> rows, Function<Row, OptionalLong> value, double scale) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (Row r : rows) {
            value.apply(r).ifPresent(v -> b.dataPoint(CounterDataPointSnapshot.builder().labels(r.labels()).value(v * scale).build()));
        }
        return b.build();
    }

    private static HistogramSnapshot latency(List<Row> rows) {
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name("thaw_worker_request_duration_seconds")
                .help("How long the worker's requests took, from the worker's own histogram (heartbeat).");
        for (Row r : rows) {
            r.report().latency().ifPresent(l -> b.dataPoint(HistogramDataPointSnapshot.builder().labels(r.labels())
                    .classicHistogramBuckets(buckets(l)).sum(l.sumSeconds()).build()));
        }
        return b.build();
    }

    /** The worker sends cumulative counts; Prometheus's model takes each bucket's own count, +Inf included. */
    private static ClassicHistogramBuckets buckets(HeartbeatReport.Latency l) {
        int n = l.boundsSeconds().length;
        double[] bounds = new double[n + 1];
        long[] counts = new long[n + 1];
        long previous = 0;
        for (int i = 0; i < n; i++) {
            bounds[i] = l.boundsSeconds()[i];
            counts[i] = l.cumulative()[i] - previous;
            previous = l.cumulative()[i];
        }
        bounds[n] = Double.POSITIVE_INFINITY;
        counts[n] = l.count() - previous;
        return ClassicHistogramBuckets.of(bounds, counts);
    }
}
