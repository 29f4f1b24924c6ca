package dev.thaw.lifecycle;

import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Who a restored worker is. Every worker restored from one image has the same PID (each lives in its
 * own PID namespace) and the leader's environment, so identity and per-worker configuration arrive
 * from the orchestrator on the worker's stdin, never from the process itself.
 *
 * @param workerId the worker's slot number, 0..N-1, stable across replacements of that slot
 * @param generation the image generation the worker was restored from
 * @param restoredAt when this worker received its identity, right after the restore
 * @param controlSocket the orchestrator's control socket for this run
 * @param heartbeat how often the worker reports to the orchestrator
 * @param env environment overrides for this worker (see {@link Thaw#getenv(String)})
 * @param properties system properties set in this worker before afterRestore runs
 */
public record WorkerIdentity(int workerId, long generation, Instant restoredAt, Path controlSocket,
                             Duration heartbeat, Map<String, String> env, Map<String, String> properties) {

    /** System properties thaw sets in every worker before its afterRestore callbacks run. */
    public static final String PROP_WORKER_ID = "thaw.worker.id";
    public static final String PROP_GENERATION = "thaw.worker.generation";
    public static final String PROP_RESTORED_AT = "thaw.worker.restored-at";

    public WorkerIdentity {
        env = Map.copyOf(env);
        properties = Map.copyOf(properties);
    }

    public static WorkerIdentity fromMessage(Message m, Instant restoredAt) {
        if (m.type() != MessageType.IDENTITY) {
            throw new IllegalArgumentException("not an IDENTITY message: " + m.type());
        }
        return new WorkerIdentity(
                Integer.parseInt(m.require("worker")),
                Long.parseLong(m.require("generation")),
                restoredAt,
                Path.of(m.require("control")),
                Duration.ofMillis(Long.parseLong(m.get("heartbeat-ms").orElse("1000"))),
                m.withPrefix("env."),
                m.withPrefix("prop."));
    }

    public Message toMessage() {
        Message m = Message.of(MessageType.IDENTITY,
                "worker", Integer.toString(workerId),
                "generation", Long.toString(generation),
                "control", controlSocket.toString(),
                "heartbeat-ms", Long.toString(heartbeat.toMillis()));
        for (Map.Entry<String, String> e : env.entrySet()) {
            m = m.with("env." + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, String> e : properties.entrySet()) {
            m = m.with("prop." + e.getKey(), e.getValue());
        }
        return m;
    }

    /** Sets the identity properties and the overrides in this JVM. */
    public void applySystemProperties() {
        properties.forEach(System::setProperty);
        System.setProperty(PROP_WORKER_ID, Integer.toString(workerId));
        System.setProperty(PROP_GENERATION, Long.toString(generation));
        System.setProperty(PROP_RESTORED_AT, restoredAt.toString());
    }

    /** The identity prefix of log lines: {@code worker=3 gen=1}. */
    public String logPrefix() {
        return "worker=" + workerId + " gen=" + generation;
    }
}
