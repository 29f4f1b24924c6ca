package dev.thaw.pool;

import dev.thaw.criu.WorkerExit;
import dev.thaw.image.ImageManifest;
import dev.thaw.lifecycle.control.ControlMessage;
import java.time.Duration;

/**
 * What the supervisor tells an observer (metrics) about its pool: one call per event, always from the
 * supervisor's own thread, never anything to decide. Implementations must return quickly and must
 * not throw: the loop does not wait for them. Every method does nothing by default.
 */
public interface PoolListener {
    PoolListener NONE = new PoolListener() {
    };

    /** One worker process: its slot, the image generation it was restored from, its PID on the host. */
    record WorkerRef(int worker, long generation, long pid) {
    }

    /** Why a worker left the pool while the pool was running. */
    enum Reason {
        CRASH, TIMEOUT, MAX_REQUESTS, MEMORY, RELOAD, REFORK, SCALE;

        /** As a Prometheus label value: {@code max-requests}. */
        public String label() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    /** Workers are restored from this image from now on (at start, and after a switch to a newer image). */
    default void imageChanged(ImageManifest image) {
    }

    /** USR2: thaw run started a {@code thaw checkpoint} of the next image. */
    default void checkpointStarted() {
    }

    /** That checkpoint ended; a failed one leaves the serving image in place. */
    default void checkpointFinished(boolean succeeded) {
    }

    /** --refork-after: {@code mold} is being checkpointed into generation {@code generation}. */
    default void reforkStarted(WorkerRef mold, long generation) {
    }

    /** That refork ended: a new image serves ({@link #imageChanged} came first), or generation g keeps serving. */
    default void reforkFinished(boolean succeeded) {
    }

    /**
     * A restore of {@code worker} began. No PID yet: until the restore is done, the process under criu is
     * not yet the worker's JVM, and {@code WorkerProcess.hostPid()} remembers the first one it sees.
     */
    default void restoreStarted(int worker, long generation) {
    }

    /** The worker is READY; {@code took} runs from the start of its restore. */
    default void restoreFinished(WorkerRef w, Duration took) {
    }

    /** The worker exited, or failed afterRestore, before it was ready. */
    default void bootFailed(WorkerRef w) {
    }

    /** The worker is being replaced (or, for {@link Reason#SCALE}, retired without replacement). */
    default void workerReplaced(WorkerRef w, Reason reason) {
    }

    /** A heartbeat, as the worker sent it (see docs/control-protocol.md for its fields). */
    default void heartbeat(WorkerRef w, ControlMessage.Heartbeat heartbeat) {
    }

    /**
     * The worker's process exited: with {@code exit}'s code or signal, after thaw sent it TERM or KILL
     * ({@code stoppedByThaw}) or on its own. {@link #workerGone} follows.
     */
    default void workerExited(WorkerRef w, WorkerExit exit, boolean stoppedByThaw) {
    }

    /** The worker's process is gone, for whatever reason. */
    default void workerGone(WorkerRef w) {
    }

    /** The pool as {@code thaw status} shows it, after each turn of the supervisor loop (at least once a second). */
    default void poolChanged(PoolStatus status) {
    }
}
