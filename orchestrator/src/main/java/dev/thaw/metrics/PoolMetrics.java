package dev.thaw.metrics;

import dev.thaw.criu.WorkerExit;
import dev.thaw.host.PageMerging;
import dev.thaw.image.ImageManifest;
import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.pool.PoolListener;
import dev.thaw.pool.PoolStatus;
import dev.thaw.pool.WorkerState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The metrics of one {@code thaw run}, kept up to date by the supervisor's events ({@link PoolListener})
 * and read by the HTTP endpoint. Pool-level figures are Micrometer meters; per-worker ones come from
 * {@link WorkerSeries}. Every name follows Prometheus conventions: {@code thaw_} prefix, base units,
 * {@code _total} on counters. docs/metrics.md lists them all.
 */
public final class PoolMetrics implements PoolListener {
    /** Restores take a fraction of a second; a slow afterRestore (a database) takes seconds. */
    private static final Duration[] RESTORE_BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60)};

    /** A checkpoint starts the app and warms it up: seconds to minutes. */
    private static final Duration[] CHECKPOINT_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private volatile ImageManifest image;
    private final int minReadyWorkers;
    private final WorkerSeries workers;
    private final Counter restoresStarted;
    private final Timer restoreDuration;
    private final Counter bootFailures;
    private final Map<Reason, Counter> replacements = new EnumMap<>(Reason.class);
    private final Counter checkpointsSucceeded;
    private final Counter checkpointsFailed;
    private final Timer checkpointDuration;
    private final Counter reforksSucceeded;
    private final Counter reforksFailed;
    private final Timer reforkDuration;
    /** When the refork in progress started; only the supervisor's thread touches it. */
    private long reforkStartedNanos;
    private final KsmTotals ksm = new KsmTotals();
    /** When the USR2 checkpoint in progress started; only the supervisor's thread touches it. */
    private long checkpointStartedNanos;
    private volatile PoolStatus pool;
    private volatile long poolChangedNanos;

    /**
     * @param image the image workers are restored from ({@link #imageChanged} when that changes)
     * @param minReadyWorkers the pool is ready ({@code /readyz}) with at least this many ready workers
     */
    public PoolMetrics(ImageManifest image, int minReadyWorkers) {
        this.image = image;
        this.minReadyWorkers = minReadyWorkers;
        this.workers = new WorkerSeries(this::status);
        registry.getPrometheusRegistry().register(workers);
        restoresStarted = Counter.builder("thaw.restores.started")
                .description("Worker restores started (criu restore launched), for any reason.").register(registry);
        restoreDuration = Timer.builder("thaw.restore.duration")
                .description("Time from the start of a worker's restore to its READY (afterRestore done); one observation per restore that became ready.")
                .serviceLevelObjectives(RESTORE_BUCKETS).register(registry);
        bootFailures = Counter.builder("thaw.restore.failures")
                .description("Restores that ended before the worker was ready (criu failed, afterRestore failed, --ready-timeout).").register(registry);
        for (Reason r : Reason.values()) {
            replacements.put(r, Counter.builder("thaw.worker.replacements").tag("reason", r.label())
                    .description("Workers replaced while the pool ran, by reason: crash (exited while ready), timeout (no heartbeat or a request"
                            + " past --timeout), max-requests, memory (--max-memory), reload (HUP, thaw reload), refork (rolled onto a reforked generation), scale (retired by a scale-down, not replaced).")
                    .register(registry));
        }
        String checkpointsHelp = "Checkpoints of a next image that thaw run started (USR2), by outcome: succeeded, failed."
                + " A 'thaw checkpoint' run by hand is seen only through thaw_image_* after HUP.";
        checkpointsSucceeded = Counter.builder("thaw.checkpoints").tag("outcome", "succeeded").description(checkpointsHelp).register(registry);
        checkpointsFailed = Counter.builder("thaw.checkpoints").tag("outcome", "failed").description(checkpointsHelp).register(registry);
        checkpointDuration = Timer.builder("thaw.checkpoint.duration")
                .description("How long a USR2 checkpoint took, leader start to image in place (or to its failure).")
                .serviceLevelObjectives(CHECKPOINT_BUCKETS).register(registry);
        String reforksHelp = "Reforks (--refork-after): a serving worker checkpointed into the next generation, by outcome:"
                + " succeeded (a new image serves), failed (the old generation keeps serving).";
        reforksSucceeded = Counter.builder("thaw.reforks").tag("outcome", "succeeded").description(reforksHelp).register(registry);
        reforksFailed = Counter.builder("thaw.reforks").tag("outcome", "failed").description(reforksHelp).register(registry);
        reforkDuration = Timer.builder("thaw.refork.duration")
                .description("How long a refork took, CHECKPOINT sent to the worker to the new image in place (or to its failure).")
                .serviceLevelObjectives(RESTORE_BUCKETS).register(registry);
        registerPoolGauges();
        registerImageGauges();
        registerKsmGauges();
    }

    private void registerPoolGauges() {
        for (WorkerState s : WorkerState.values()) {
            String state = s.name().toLowerCase();
            gauge("thaw.workers", "Worker processes by state: restoring, ready (serving), reforking (being checkpointed into the next generation), draining (stopping after TERM).", null,
                    m -> m.count(state), "state", state);
        }
        gauge("thaw.workers.target", "Workers the pool keeps (--workers, changed by TTIN/TTOU and thaw scale).", null,
                m -> m.status().map(PoolStatus::targetWorkers).orElse(0));
        gauge("thaw.workers.min.ready", "Ready workers /readyz needs (--min-ready-workers).", null, m -> m.minReadyWorkers);
    }

    /** thaw run does not checkpoint (thaw checkpoint does, in another process): it knows the image's manifest. */
    private void registerImageGauges() {
        gauge("thaw.image.generation", "Generation of the image workers are restored from.", null, m -> m.image.generation());
        gauge("thaw.image.size", "Size of the image's CRIU files (manifest imageBytes).", "bytes", m -> m.image.imageBytes());
        gauge("thaw.image.checkpoint.duration", "How long the criu dump of the image took (manifest dumpMillis).", "seconds",
                m -> m.image.dumpMillis() / 1000.0);
        gauge("thaw.image.leader.cold.start", "The leader's cold start, process start to first HTTP 200 (manifest coldStartMillis; 0 without a warm-up URL).",
                "seconds", m -> m.image.coldStartMillis() / 1000.0);
        gauge("thaw.image.created.timestamp", "When the image was made (Unix time).", "seconds",
                m -> m.image.createdAt().toEpochMilli() / 1000.0);
    }

    /** Machine-wide, from /sys/kernel/mm/ksm: every process's merging, not only this pool's. NaN without KSM. */
    private void registerKsmGauges() {
        gauge("thaw.ksm.shared", "KSM pages in use, each one the single copy of pages merged into it (pages_shared x page size).",
                "bytes", m -> m.ksm.pages(PageMerging.KernelStats::pagesShared));
        gauge("thaw.ksm.sharing", "Memory saved by KSM: pages mapped onto a shared page (pages_sharing x page size).",
                "bytes", m -> m.ksm.pages(PageMerging.KernelStats::pagesSharing));
        gauge("thaw.ksm.unshared", "Pages KSM checks but has not merged because they are unique (pages_unshared x page size).",
                "bytes", m -> m.ksm.pages(PageMerging.KernelStats::pagesUnshared));
        gauge("thaw.ksm.profit", "Net memory saved by KSM machine-wide, its own bookkeeping deducted (general_profit).",
                "bytes", m -> m.ksm.value(PageMerging.KernelStats::generalProfitBytes));
        FunctionCounter.builder("thaw.ksm.full.scans", this, m -> m.ksm.value(PageMerging.KernelStats::fullScans))
                .description("Complete passes of ksmd over all mergeable memory (full_scans).").register(registry);
    }

    private void gauge(String name, String help, String baseUnit, ToDoubleFunction<PoolMetrics> value, String... tags) {
        Gauge.builder(name, this, value).description(help).baseUnit(baseUnit).tags(tags).register(registry);
    }

    // ---- PoolListener: called on the supervisor's thread -----------------------------------------

    @Override
    public void imageChanged(ImageManifest image) {
        this.image = image;
    }

    @Override
    public void reforkStarted(WorkerRef mold, long generation) {
        reforkStartedNanos = System.nanoTime();
    }

    @Override
    public void reforkFinished(boolean succeeded) {
        reforkDuration.record(Duration.ofNanos(System.nanoTime() - reforkStartedNanos));
        (succeeded ? reforksSucceeded : reforksFailed).increment();
    }

    @Override
    public void checkpointStarted() {
        checkpointStartedNanos = System.nanoTime();
    }

    @Override
    public void checkpointFinished(boolean succeeded) {
        checkpointDuration.record(Duration.ofNanos(System.nanoTime() - checkpointStartedNanos));
        (succeeded ? checkpointsSucceeded : checkpointsFailed).increment();
    }

    @Override
    public void restoreStarted(int worker, long generation) {
        restoresStarted.increment();
    }

    @Override
    public void restoreFinished(WorkerRef w, Duration took) {
        restoreDuration.record(took);
    }

    @Override
    public void bootFailed(WorkerRef w) {
        bootFailures.increment();
    }

    @Override
    public void workerReplaced(WorkerRef w, Reason reason) {
        replacements.get(reason).increment();
    }

    @Override
    public void heartbeat(WorkerRef w, ControlMessage.Heartbeat heartbeat) {
        workers.heartbeat(w.pid(), HeartbeatReport.from(heartbeat));
    }

    /** Worker exits by cause: an exit code or a signal, and whether thaw asked for it (TERM, KILL). */
    @Override
    public void workerExited(WorkerRef w, WorkerExit exit, boolean stoppedByThaw) {
        Counter.builder("thaw.worker.exits").tag("cause", exit.label()).tag("by", stoppedByThaw ? "thaw" : "worker")
                .description("Worker processes that exited, by cause (exit-N for an exit code, sigkill, sigsegv... for a signal,"
                        + " unknown without thaw's CRIU patch) and by who ended them: thaw (TERM to drain, KILL past a deadline or"
                        + " on a fast stop) or the worker itself (a crash, an OOM kill, afterRestore failing).")
                .register(registry).increment();
    }

    @Override
    public void workerGone(WorkerRef w) {
        workers.gone(w.pid());
    }

    @Override
    public void poolChanged(PoolStatus status) {
        pool = status;
        poolChangedNanos = System.nanoTime();
    }

    // ---- read by the endpoint -------------------------------------------------------------------

    /** The Prometheus text exposition format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The pool after the supervisor loop's last turn; empty before its first. */
    public Optional<PoolStatus> status() {
        return Optional.ofNullable(pool);
    }

    /** How long ago the supervisor loop last turned (it turns at least once a second while alive). */
    public Optional<Duration> sinceLastTurn() {
        return pool == null ? Optional.empty() : Optional.of(Duration.ofNanos(System.nanoTime() - poolChangedNanos));
    }

    public int readyWorkers() {
        return (int) count("ready");
    }

    public int minReadyWorkers() {
        return minReadyWorkers;
    }

    private long count(String state) {
        return status().map(p -> p.workers().stream().filter(w -> state.equals(w.state())).count()).orElse(0L);
    }
}
