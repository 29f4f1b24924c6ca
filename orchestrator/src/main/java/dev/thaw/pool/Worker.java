package dev.thaw.pool;

import dev.thaw.control.Peer;
import dev.thaw.criu.RestoreStats;
import dev.thaw.host.ProcessMemory;
import java.time.Instant;
import java.util.Optional;

/**
 * The supervisor's record of one worker process. A slot may briefly hold two: the old and its
 * replacement. Its state changes only through the named transitions below; the figures a heartbeat
 * or a sample brings are plain fields, written on the supervisor's thread only.
 */
final class Worker {
    /** Why a worker is being retired: decides what happens if its replacement fails, and the log line. */
    enum Cause { ROLL, RECYCLE, TIMEOUT, SCALE_DOWN, SHUTDOWN }

    record Retirement(Cause cause, String reason) {
    }

    final WorkerHandle process;
    final Instant startedAt;
    final long startedNanos;
    /** This worker's own --max-requests, jitter included; 0 = never. */
    final long maxRequests;
    private WorkerState state = WorkerState.RESTORING;
    Peer peer;
    long lastHeartbeatNanos;
    long requests;
    int inFlight;
    long oldestRequestMillis;
    ProcessMemory memory = ProcessMemory.NONE;
    /** The worker this one replaces once it is ready (recycling, rolling restart); null for a plain restore. */
    Worker replaces;
    /** Set when this worker is being replaced, so that it is not replaced twice. */
    Worker replacedBy;
    /** Why it is being replaced or stopped; null while nobody means to. */
    Retirement retirement;
    long drainDeadlineNanos;
    /** Where its time to ready went: all of it, CRIU's restore (empty if unknown) and its afterRestore. */
    long readyMillis;
    Optional<RestoreStats> criuStats = Optional.empty();
    long afterRestoreMillis;
    /** When its refork began; a refork not back to READY within the graceful and ready timeouts is killed. */
    long reforkStartedNanos;
    /** Why afterRestore failed, as the worker reported it (RESTORE_FAILED); null if it did not. */
    String restoreError;
    /** Whether thaw sent it TERM or KILL: its exit is then thaw's doing, not the worker's (metrics). */
    private boolean stoppedByThaw;

    Worker(WorkerHandle process, Instant startedAt, long startedNanos, long maxRequests) {
        this.process = process;
        this.startedAt = startedAt;
        this.startedNanos = startedNanos;
        this.lastHeartbeatNanos = startedNanos;
        this.maxRequests = maxRequests;
    }

    WorkerState state() {
        return state;
    }

    boolean is(WorkerState s) {
        return state == s;
    }

    // ---- transitions -------------------------------------------------------------------------------

    /** afterRestore ran: it serves. */
    void ready(long nowNanos) {
        moveTo(WorkerState.READY);
        lastHeartbeatNanos = nowNanos;
        readyMillis = (nowNanos - startedNanos) / 1_000_000;
    }

    /** It got CHECKPOINT for a refork: it stops serving until its dump is done. */
    void startRefork(long nowNanos) {
        moveTo(WorkerState.REFORKING);
        reforkStartedNanos = nowNanos;
    }

    /** Its refork ended (dumped, or refused): it serves again. */
    void servesAgain(long nowNanos) {
        moveTo(WorkerState.READY);
        lastHeartbeatNanos = nowNanos;
    }

    /**
     * It ran afterRestore in place after its refork's dump: like a restored worker, its JVM counts
     * requests from 0 again (the agent resets them), so --refork-after and --max-requests count anew
     * from here, not from its next heartbeat.
     */
    void resumedAfterDump(long nowNanos) {
        servesAgain(nowNanos);
        requests = 0;
        inFlight = 0;
        oldestRequestMillis = 0;
    }

    /** TERM sent (or KILL, for a fast stop): it finishes what it serves and exits; KILL after {@code deadline}. */
    void drain(Retirement why, long deadlineNanos) {
        moveTo(WorkerState.DRAINING);
        retirement = why;
        drainDeadlineNanos = deadlineNanos;
    }

    /** TERM: it drains and exits through its shutdown hooks. */
    void terminate() {
        stoppedByThaw = true;
        process.terminate();
    }

    /** KILL, at once. */
    void kill() {
        stoppedByThaw = true;
        process.kill();
    }

    boolean stoppedByThaw() {
        return stoppedByThaw;
    }

    private void moveTo(WorkerState next) {
        if (!state.canBecome(next)) {
            throw new IllegalStateException(describe() + " cannot go from " + state + " to " + next);
        }
        state = next;
    }

    // ---- what it is --------------------------------------------------------------------------------

    int slot() {
        return process.slot();
    }

    long generation() {
        return process.generation();
    }

    /** Serving or about to: counts toward the slot being filled. */
    boolean isActive() {
        return state != WorkerState.DRAINING;
    }

    /** Being replaced by a rolling restart (reload or refork), rather than recycled or stopped. */
    boolean isRolled() {
        return retirement != null && retirement.cause() == Cause.ROLL;
    }

    String retireReason() {
        return retirement == null ? "" : retirement.reason();
    }

    PoolListener.WorkerRef ref() {
        return new PoolListener.WorkerRef(slot(), generation(), process.hostPid());
    }

    String describe() {
        return process.describe();
    }
}
