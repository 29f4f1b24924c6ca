package dev.thaw.supervisor;

import dev.thaw.control.Peer;
import dev.thaw.engine.Restorer;
import dev.thaw.engine.WorkerProcess;
import java.time.Instant;

/** The supervisor's record of one worker process. A slot may briefly hold two: the old and its replacement. */
final class Worker {
    final WorkerProcess process;
    /** The image it was restored from: kept until its restore has finished reading it. */
    final Restorer restoredFrom;
    final Instant startedAt = Instant.now();
    /** This worker's own --max-requests, jitter included; 0 = never. */
    final long maxRequests;
    WorkerState state = WorkerState.RESTORING;
    Peer peer;
    long lastHeartbeatNanos = System.nanoTime();
    long requests;
    int inFlight;
    long oldestRequestMillis;
    ProcessMemory memory = ProcessMemory.NONE;
    /** The worker this one replaces once it is ready (recycling, rolling restart); null for a plain restore. */
    Worker replaces;
    /** Set when this worker is being replaced, so that it is not replaced twice. */
    Worker replacedBy;
    String retireReason;
    long drainDeadlineNanos;
    /** Why afterRestore failed, as the worker reported it (RESTORE_FAILED); null if it did not. */
    String restoreError;

    Worker(WorkerProcess process, Restorer restoredFrom, long maxRequests) {
        this.process = process;
        this.restoredFrom = restoredFrom;
        this.maxRequests = maxRequests;
    }

    int slot() {
        return process.workerId();
    }

    long generation() {
        return process.generation();
    }

    /** Serving or about to: counts toward the slot being filled. */
    boolean isActive() {
        return state != WorkerState.DRAINING;
    }

    PoolListener.WorkerRef ref() {
        return new PoolListener.WorkerRef(slot(), generation(), process.hostPid());
    }

    String describe() {
        return process.describe();
    }
}
