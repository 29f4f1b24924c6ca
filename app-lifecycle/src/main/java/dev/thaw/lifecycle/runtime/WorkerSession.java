package dev.thaw.lifecycle.runtime;

import dev.thaw.lifecycle.Requests;
import dev.thaw.lifecycle.WorkerIdentity;
import dev.thaw.lifecycle.control.ControlConnection;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import dev.thaw.lifecycle.control.ProtocolException;
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
        return Message.of(MessageType.HEARTBEAT, "worker", Integer.toString(workerId),
                "requests", Long.toString(r.total()), "inflight", Integer.toString(r.inFlight()),
                "oldest-ms", Long.toString(r.oldestMillis()),
                "latency-bounds-ms", join(Requests.LATENCY_BOUNDS_MILLIS), "latency-cumulative", join(r.latencyCumulative()),
                "latency-count", Long.toString(r.latencyCount()), "latency-sum-us", Long.toString(r.latencySumMicros()),
                "heap-used", Long.toString(jvm.heapUsedBytes()), "heap-committed", Long.toString(jvm.heapCommittedBytes()),
                "gc-pause-ms", Long.toString(jvm.gcPauseMillis()), "gc-count", Long.toString(jvm.gcCount()));
    }

    private static String join(long[] values) {
        StringBuilder s = new StringBuilder();
        for (long v : values) {
            s.append(s.length() == 0 ? "" : ",").append(v);
        }
        return s.toString();
    }

    private void serve() {
        try {
            while (true) {
                Message message = connection.receive();
                if (message.type() == MessageType.STOP) {
                    exit(0, "stop requested by the orchestrator");
                    return;
                }
                if (message.type() == MessageType.REOPEN_LOGS) {
                    LogReopeners.runAll();
                }
            }
        } catch (IOException | ProtocolException e) {
            exit(0, "orchestrator gone (" + e.getMessage() + ")");
        }
    }

    private void exit(int code, String why) {
        System.err.println("thaw: " + identity.logPrefix() + " exiting: " + why);
        // Shutdown hooks may hang (a stuck connector drain); the orchestrator's KILL is the backstop.
        System.exit(code);
    }
}
