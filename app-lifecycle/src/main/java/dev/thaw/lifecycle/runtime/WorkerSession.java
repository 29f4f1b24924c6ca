package dev.thaw.lifecycle.runtime;

import dev.thaw.lifecycle.Requests;
import dev.thaw.lifecycle.WorkerIdentity;
import dev.thaw.lifecycle.control.ControlConnection;
import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.ProtocolException;
import dev.thaw.lifecycle.crac.RestoreException;
import java.io.IOException;

/**
 * A restored worker's link to the orchestrator: heartbeats out, commands in. When the orchestrator
 * goes away the worker exits, the way a gunicorn worker exits when its arbiter dies: an orphaned
 * worker would hold the port with nobody supervising it.
 */
final class WorkerSession {
    private final ControlConnection connection;
    private final WorkerIdentity identity;

    private WorkerSession(ControlConnection connection, WorkerIdentity identity) {
        this.connection = connection;
        this.identity = identity;
    }

    static void start(ControlConnection connection, WorkerIdentity identity) {
        WorkerSession session = new WorkerSession(connection, identity);
        daemon("thaw-heartbeat", session::heartbeat).start();
        daemon("thaw-worker-control", session::serve).start();
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    private void heartbeat() {
        long period = Math.max(10, identity.heartbeat().toMillis());
        JvmStats jvm = new JvmStats();
        try {
            while (connection.isOpen()) {
                connection.send(heartbeatMessage(identity.workerId(), Requests.snapshot(), jvm.sample()));
                Thread.sleep(period);
            }
        } catch (IOException | InterruptedException e) {
            // the control reader notices the closed connection and ends the worker
        }
    }

    /** The fields are listed in docs/control-protocol.md; readers ignore the ones they do not know. */
    static Message heartbeatMessage(int workerId, Requests.Snapshot r, JvmStats.Sample jvm) {
        ControlMessage.Latency latency = new ControlMessage.Latency(Requests.LATENCY_BOUNDS_MILLIS, r.latencyCumulative(),
                r.latencyCount(), r.latencySumMicros());
        return new ControlMessage.Heartbeat(workerId, r.total(), r.inFlight(), r.oldestMillis(), latency, jvm.heapUsedBytes(),
                jvm.heapCommittedBytes(), jvm.gcPauseMillis(), jvm.gcCount()).encode();
    }

    private void serve() {
        try {
            while (true) {
                ControlMessage message = ControlMessage.decode(connection.receive());
                if (message instanceof ControlMessage.ReopenLogs) {
                    LogReopeners.runAll();
                }
                if (message instanceof ControlMessage.Checkpoint && refork()) {
                    return; // the connection was handed over; the session after the dump has its own threads
                }
            }
        } catch (IOException | ProtocolException e) {
            exit(0, "orchestrator gone (" + e.getMessage() + ")");
        }
    }

    /** Checkpoints this worker for a refork; false when its beforeCheckpoint refused and it serves on. */
    private boolean refork() {
        try {
            return ThawRuntime.get().checkpointWorker(connection);
        } catch (RestoreException e) {
            System.err.println("thaw: afterRestore failed after the refork, worker exiting: " + ThawRuntime.describe(e));
            for (Throwable t : e.getSuppressed()) {
                System.err.print(ThawRuntime.stackTrace(t));
            }
            System.exit(ControlMessage.EXIT_RESTORE_FAILED);
            return true;
        }
    }

    private void exit(int code, String why) {
        System.err.println("thaw: " + identity.logPrefix() + " exiting: " + why);
        // Shutdown hooks may hang (a stuck connector drain); the orchestrator's KILL is the backstop.
        System.exit(code);
    }
}
