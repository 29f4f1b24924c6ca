package dev.thaw.lifecycle.control;

/**
 * Every message of thaw's control protocol, in one place. Direction in brackets. The protocol is
 * documented in docs/control-protocol.md.
 */
public enum MessageType {
    /** [JVM -> orchestrator] first line on every connection: role=leader|worker, pid, protocol. */
    HELLO,
    /**
     * [orchestrator -> leader] warm-up is done: run beforeCheckpoint and get ready to be dumped.
     * [orchestrator -> worker] the same for a refork: the worker is dumped while it keeps running and
     * then reads an IDENTITY on stdin (the new generation, or its old one if the dump failed).
     */
    CHECKPOINT,
    /** [leader or reforking worker -> orchestrator] beforeCheckpoint ran; it closes this connection and waits on stdin. */
    READY_TO_DUMP,
    /** [leader or reforking worker -> orchestrator] beforeCheckpoint failed (error=...); it goes on running (serving). */
    CHECKPOINT_FAILED,
    /** [orchestrator -> JVM stdin] who a restored worker is: worker, generation, control, env.*, prop.*. */
    IDENTITY,
    /** [orchestrator -> leader stdin] the dump will not happen: run afterRestore and go on as the leader. */
    ABORT,
    /** [worker -> orchestrator] afterRestore ran (after-restore-ms: how long it took) and the worker serves. */
    READY,
    /** [worker -> orchestrator] afterRestore failed (error=...); the worker exits with code 3. */
    RESTORE_FAILED,
    /** [worker -> orchestrator] periodic sign of life: requests (total), inflight, oldest-ms (oldest request in flight). */
    HEARTBEAT,
    /** [orchestrator -> worker] reopen log files (the orchestrator got USR1); runs Thaw.onReopenLogs hooks. */
    REOPEN_LOGS,
    /** [thaw CLI -> orchestrator] the pool's state; answered with REPLY json=... */
    STATUS,
    /** [thaw CLI -> orchestrator] change the number of workers: workers=N. */
    SCALE,
    /** [thaw CLI -> orchestrator] rolling restart of every worker, like HUP. */
    RELOAD,
    /** [orchestrator -> thaw CLI] answer: ok=true|false, message=..., json=... */
    REPLY;
}
