package dev.thaw.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.image.ImageManifest;
import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import dev.thaw.pool.PoolListener.Reason;
import dev.thaw.pool.PoolListener.WorkerRef;
import dev.thaw.pool.PoolListener;
import dev.thaw.pool.PoolStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolMetricsTest {
    private static final ImageManifest IMAGE = new ImageManifest(ImageManifest.FORMAT, "test", Instant.ofEpochSecond(1_700_000_000), 3,
            null, List.of("java"), "/", List.of(), "4.2.1", null, 1, 300L << 20, List.of(), 735, 360, List.of(), null, null, null, null);

    private final PoolMetrics metrics = new PoolMetrics(IMAGE, 2);

    private static PoolStatus.WorkerStatus worker(int slot, long pid, String state) {
        return new PoolStatus.WorkerStatus(slot, pid, 3, state, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void a_replacement_counts_under_its_reason_and_every_reason_is_exposed_from_zero() {
        metrics.workerReplaced(new WorkerRef(0, 3, 100), Reason.CRASH);
        metrics.workerReplaced(new WorkerRef(1, 3, 101), Reason.MAX_REQUESTS);
        metrics.workerReplaced(new WorkerRef(1, 3, 102), Reason.MAX_REQUESTS);
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("thaw_worker_replacements_total{reason=\"crash\"} 1.0\n"), scrape);
        assertTrue(scrape.contains("thaw_worker_replacements_total{reason=\"max-requests\"} 2.0\n"), scrape);
        for (String reason : List.of("timeout", "memory", "reload", "scale")) {
            assertTrue(scrape.contains("thaw_worker_replacements_total{reason=\"" + reason + "\"} 0.0\n"), reason + "\n" + scrape);
        }
    }

    @Test
    void each_restore_that_became_ready_is_one_observation_of_the_restore_histogram() {
        metrics.restoreStarted(0, 3);
        metrics.restoreStarted(1, 3);
        metrics.restoreFinished(new WorkerRef(0, 3, 100), Duration.ofMillis(240));
        metrics.bootFailed(new WorkerRef(1, 3, 101));
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("thaw_restores_started_total 2.0\n"), scrape);
        assertTrue(scrape.contains("thaw_restore_duration_seconds_count 1\n"), scrape);
        assertTrue(scrape.contains("thaw_restore_duration_seconds_bucket{le=\"0.1\"} 0\n"), scrape);
        assertTrue(scrape.contains("thaw_restore_duration_seconds_bucket{le=\"0.25\"} 1\n"), scrape);
        assertTrue(scrape.contains("thaw_restore_failures_total 1.0\n"), scrape);
    }

    @Test
    void workers_by_state_and_readiness_follow_the_last_pool_status() {
        assertFalse(metrics.status().isPresent());
        assertEquals(0, metrics.readyWorkers());
        metrics.poolChanged(new PoolStatus(3, "leader", 0, 2, false, List.of(worker(0, 100, "ready"), worker(1, 101, "restoring"))));
        assertEquals(1, metrics.readyWorkers());
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("thaw_workers{state=\"ready\"} 1.0\n"), scrape);
        assertTrue(scrape.contains("thaw_workers{state=\"restoring\"} 1.0\n"), scrape);
        assertTrue(scrape.contains("thaw_workers{state=\"draining\"} 0.0\n"), scrape);
        assertTrue(scrape.contains("thaw_workers_target 2.0\n"), scrape);
        assertTrue(scrape.contains("thaw_workers_min_ready 2.0\n"), scrape);
    }

    @Test
    void the_image_manifest_is_what_thaw_run_knows_of_the_checkpoint() {
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("thaw_image_size_bytes 3.145728E8\n"), scrape);
        assertTrue(scrape.contains("thaw_image_generation 3.0\n"), scrape);
        assertTrue(scrape.contains("thaw_image_checkpoint_duration_seconds 0.36\n"), scrape);
        assertTrue(scrape.contains("thaw_image_leader_cold_start_seconds 0.735\n"), scrape);
        assertTrue(scrape.contains("thaw_image_created_timestamp_seconds 1.7E9\n"), scrape);
    }

    @Test
    void a_heartbeat_becomes_the_workers_latency_histogram_heap_and_gc_series_until_the_worker_is_gone() {
        WorkerRef w = new WorkerRef(1, 3, 4242);
        metrics.poolChanged(new PoolStatus(3, "leader", 0, 2, false, List.of(worker(1, 4242, "ready"))));
        metrics.heartbeat(w, (ControlMessage.Heartbeat) ControlMessage.decode(Message.of(MessageType.HEARTBEAT, "worker", "1", "requests", "7", "inflight", "2", "oldest-ms", "3",
                "latency-bounds-ms", "5,50", "latency-cumulative", "4,6", "latency-count", "7", "latency-sum-us", "1500000",
                "heap-used", "1048576", "heap-committed", "2097152", "gc-pause-ms", "250", "gc-count", "3")));
        String labels = "generation=\"3\",pid=\"4242\",worker=\"1\"";
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("thaw_worker_requests_total{" + labels + "} 7.0\n"), scrape);
        assertTrue(scrape.contains("thaw_worker_requests_in_flight{" + labels + "} 2.0\n"), scrape);
        assertTrue(scrape.contains("thaw_worker_request_duration_seconds_bucket{" + labels + ",le=\"0.005\"} 4\n"), scrape);
        assertTrue(scrape.contains("thaw_worker_request_duration_seconds_bucket{" + labels + ",le=\"0.05\"} 6\n"), scrape);
        assertTrue(scrape.contains("thaw_worker_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} 7\n"), scrape);
        assertTrue(scrape.contains("thaw_worker_request_duration_seconds_sum{" + labels + "} 1.5\n"), scrape);
        assertTrue(scrape.contains("thaw_worker_heap_used_bytes{" + labels + "} 1048576.0\n"), scrape);
        assertTrue(scrape.contains("thaw_worker_gc_pause_seconds_total{" + labels + "} 0.25\n"), scrape);
        assertTrue(scrape.contains("thaw_worker_gc_pauses_total{" + labels + "} 3.0\n"), scrape);

        metrics.workerGone(w);
        metrics.poolChanged(new PoolStatus(3, "leader", 0, 2, false, List.of()));
        assertFalse(metrics.scrape().contains("pid=\"4242\""), metrics.scrape());
    }

    @Test
    void a_usr2_checkpoint_counts_by_outcome_and_a_newer_image_replaces_the_image_figures() {
        metrics.checkpointStarted();
        metrics.checkpointFinished(false);
        metrics.checkpointStarted();
        metrics.checkpointFinished(true);
        metrics.imageChanged(new ImageManifest(ImageManifest.FORMAT, "test", Instant.ofEpochSecond(1_700_000_100), 4, null, List.of("java"),
                "/", List.of(), "4.2.1", null, 1, 100L << 20, List.of(), 735, 500, List.of(), null, null, null, null));
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("thaw_checkpoints_total{outcome=\"succeeded\"} 1.0\n"), scrape);
        assertTrue(scrape.contains("thaw_checkpoints_total{outcome=\"failed\"} 1.0\n"), scrape);
        assertTrue(scrape.contains("thaw_checkpoint_duration_seconds_count 2\n"), scrape);
        assertTrue(scrape.contains("thaw_image_generation 4.0\n"), scrape);
        assertTrue(scrape.contains("thaw_image_checkpoint_duration_seconds 0.5\n"), scrape);
    }

    @Test
    void a_refork_counts_by_outcome_its_roll_counts_as_refork_replacements_and_reforking_workers_are_a_state() {
        PoolListener.WorkerRef mold = new PoolListener.WorkerRef(0, 3, 100);
        metrics.reforkStarted(mold, 4);
        metrics.reforkFinished(false);
        metrics.reforkStarted(mold, 4);
        metrics.imageChanged(new ImageManifest(ImageManifest.FORMAT, "test", Instant.ofEpochSecond(1_700_000_100), 4, null, List.of("java"),
                "/", List.of(), "4.2.1", null, 1, 100L << 20, List.of(), 735, 500, List.of(), "worker 0 of generation 3 after 500 requests",
                null, null, null));
        metrics.reforkFinished(true);
        metrics.workerReplaced(new PoolListener.WorkerRef(1, 3, 101), PoolListener.Reason.REFORK);
        metrics.poolChanged(new PoolStatus(4, "worker 0 of generation 3 after 500 requests", 1, 2, false,
                List.of(worker(0, 100, "reforking"), worker(1, 101, "ready"))));
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("thaw_reforks_total{outcome=\"succeeded\"} 1.0\n"), scrape);
        assertTrue(scrape.contains("thaw_reforks_total{outcome=\"failed\"} 1.0\n"), scrape);
        assertTrue(scrape.contains("thaw_refork_duration_seconds_count 2\n"), scrape);
        assertTrue(scrape.contains("thaw_worker_replacements_total{reason=\"refork\"} 1.0\n"), scrape);
        assertTrue(scrape.contains("thaw_workers{state=\"reforking\"} 1.0\n"), scrape);
        assertTrue(scrape.contains("thaw_image_generation 4.0\n"), scrape);
    }

    @Test
    void a_restoring_worker_has_no_series_yet_because_its_pid_is_still_criu() {
        metrics.poolChanged(new PoolStatus(3, "leader", 0, 2, false, List.of(worker(0, 4444, "restoring"), worker(1, 4545, "draining"))));
        String scrape = metrics.scrape();
        assertFalse(scrape.contains("pid=\"4444\""), scrape);
        assertTrue(scrape.contains("thaw_worker_requests_total{generation=\"3\",pid=\"4545\",worker=\"1\"} 0.0\n"), scrape);
    }
}
