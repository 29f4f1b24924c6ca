package dev.thaw.supervisor;

import dev.thaw.control.Peer;
import dev.thaw.engine.WorkerProcess;
import java.time.Instant;

/** The supervisor's record of one worker slot's current process. */
final class Worker {
    final WorkerProcess process;
    WorkerState state = WorkerState.RESTORING;
    Peer peer;
    Instant lastHeartbeat = Instant.now();
    /** Why afterRestore failed, as the worker reported it (RESTORE_FAILED); null if it did not. */
    String restoreError;

    Worker(WorkerProcess process) {
        this.process = process;
    }

    int slot() {
        return process.workerId();
    }

    String describe() {
        return process.describe();
    }
}
