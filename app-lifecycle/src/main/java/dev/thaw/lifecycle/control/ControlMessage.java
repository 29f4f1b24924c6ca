package dev.thaw.lifecycle.control;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every message of thaw's control protocol as a record, encoded to and decoded from the wire's
 * {@link Message} here and nowhere else, by the agent in the app's JVM and by the orchestrator alike.
 * Direction in brackets; docs/control-protocol.md lists the fields. A line that does not decode (a
 * missing field, a number that is not one) is a {@link ProtocolException} for the connection that
 * sent it, raised by {@link #decode} on that connection's reader, never on the supervisor's thread.
 *
 * <p>The worker's identity on stdin ({@link MessageType#IDENTITY}) is typed by
 * {@code dev.thaw.lifecycle.WorkerIdentity}.
 */
public sealed interface ControlMessage {
    /** The wire form. */
    Message encode();

    /** Who is on the other end of a control connection, as it says in HELLO (and the kernel confirms). */
    enum Role {
        LEADER, WORKER, CLI;

        String wire() {
            return name().toLowerCase();
        }

        static Role of(String s) {
            for (Role r : values()) {
                if (r.wire().equals(s)) {
                    return r;
                }
            }
            throw new ProtocolException("unknown role " + s);
        }
    }

    /**
     * [JVM or CLI -> orchestrator] first line on every connection. {@code worker} is -1 unless a worker;
     * {@code javaHome}, the JDK the leader runs on (recorded in the image), is null unless a leader.
     */
    record Hello(Role role, int worker, long pid, int protocol, String javaHome) implements ControlMessage {
        public static Hello worker(int worker) {
            return new Hello(Role.WORKER, worker, ProcessHandle.current().pid(), Message.PROTOCOL_VERSION, null);
        }

        public static Hello leader() {
            return new Hello(Role.LEADER, -1, ProcessHandle.current().pid(), Message.PROTOCOL_VERSION, System.getProperty("java.home"));
        }

        public static Hello cli() {
            return new Hello(Role.CLI, -1, ProcessHandle.current().pid(), Message.PROTOCOL_VERSION, null);
        }

        @Override
        public Message encode() {
            Message m = Message.of(MessageType.HELLO, "role", role.wire(), "pid", Long.toString(pid), "protocol", Integer.toString(protocol));
            m = role == Role.WORKER ? m.with("worker", Integer.toString(worker)) : m;
            return javaHome == null ? m : m.with("java-home", javaHome);
        }
    }

    /**
     * [orchestrator -> leader] warm-up is done: run beforeCheckpoint and get ready to be dumped.
     * [orchestrator -> worker] the same for a refork.
     */
    record Checkpoint() implements ControlMessage {
        @Override
        public Message encode() {
            return Message.of(MessageType.CHECKPOINT);
        }
    }

    /** What a JVM holds after its full GC before a dump, in bytes. */
    record MemoryAfterGc(long heapUsed, long heapCommitted, long metaspace, long codeCache) {
    }

    /**
     * [leader or reforking worker -> orchestrator] beforeCheckpoint ran; it closes this connection and
     * waits on stdin. {@code guardrailReport}: the leader's guardrail report, null from a worker.
     * {@code requestsServed}: the requests this JVM served so far, as its agent or the app counted them; null
     * when nothing counts them (no server the agent recognizes) or from an agent older than the field. The
     * orchestrator compares a leader's with the warm-up requests answered, to see whether another process
     * on the same port took them.
     */
    record ReadyToDump(long pid, MemoryAfterGc memory, String guardrailReport, Long requestsServed) implements ControlMessage {
        public ReadyToDump(long pid, MemoryAfterGc memory, String guardrailReport) {
            this(pid, memory, guardrailReport, null);
        }

        @Override
        public Message encode() {
            Message m = Message.of(MessageType.READY_TO_DUMP, "pid", Long.toString(pid),
                    "heap-used", Long.toString(memory.heapUsed()), "heap-committed", Long.toString(memory.heapCommitted()),
                    "metaspace", Long.toString(memory.metaspace()), "code-cache", Long.toString(memory.codeCache()));
            m = requestsServed == null ? m : m.with("requests-served", Long.toString(requestsServed));
            return guardrailReport == null ? m : m.with("guardrail", guardrailReport);
        }
    }

    /** [leader or reforking worker -> orchestrator] beforeCheckpoint (or the guardrail) refused; it goes on running. */
    record CheckpointFailed(String error, boolean byGuardrail) implements ControlMessage {
        @Override
        public Message encode() {
            Message m = Message.of(MessageType.CHECKPOINT_FAILED, "error", error);
            return byGuardrail ? m.with("kind", "guardrail") : m;
        }
    }

    /** [orchestrator -> leader stdin] the dump will not happen: run afterRestore and go on as the leader. */
    record Abort(String reason) implements ControlMessage {
        @Override
        public Message encode() {
            return Message.of(MessageType.ABORT, "reason", reason);
        }
    }

    /**
     * [worker -> orchestrator] afterRestore ran in {@code afterRestoreMillis} and the worker serves.
     * {@code requestsCountedBy} says who counts its requests: the servers thaw's agent recognized
     * ("Tomcat (CoyoteAdapter.service)"), {@link #COUNTED_BY_APP}, or {@link #COUNTED_BY_NONE}; null from an
     * agent older than the field.
     */
    record Ready(int worker, long afterRestoreMillis, String requestsCountedBy) implements ControlMessage {
        public static final String COUNTED_BY_APP = "app";
        public static final String COUNTED_BY_NONE = "none";

        public Ready(int worker, long afterRestoreMillis) {
            this(worker, afterRestoreMillis, null);
        }

        @Override
        public Message encode() {
            return requestsCountedBy == null
                    ? Message.of(MessageType.READY, "worker", Integer.toString(worker), "after-restore-ms", Long.toString(afterRestoreMillis))
                    : Message.of(MessageType.READY, "worker", Integer.toString(worker), "after-restore-ms", Long.toString(afterRestoreMillis),
                            "requests-counted-by", requestsCountedBy);
        }
    }

    /** [worker -> orchestrator] afterRestore failed; the worker exits with {@link #EXIT_RESTORE_FAILED}. */
    record RestoreFailed(int worker, String error) implements ControlMessage {
        @Override
        public Message encode() {
            return Message.of(MessageType.RESTORE_FAILED, "worker", Integer.toString(worker), "error", error);
        }
    }

    /** The exit code of a JVM whose afterRestore failed (after RESTORE_FAILED, or in a leader that could not resume). */
    int EXIT_RESTORE_FAILED = 3;

    /**
     * Request latency as the worker's histogram holds it: requests at most each bound took (cumulative,
     * ascending bounds), their count and their summed time.
     */
    record Latency(long[] boundsMillis, long[] cumulative, long count, long sumMicros) {
        public Latency {
            if (boundsMillis.length != cumulative.length) {
                throw new ProtocolException("latency: " + boundsMillis.length + " bounds but " + cumulative.length + " counts");
            }
            for (int i = 1; i < boundsMillis.length; i++) {
                if (boundsMillis[i] <= boundsMillis[i - 1] || cumulative[i] < cumulative[i - 1]) {
                    throw new ProtocolException("latency: bounds and counts must ascend");
                }
            }
            if (cumulative.length > 0 && cumulative[cumulative.length - 1] > count) {
                throw new ProtocolException("latency: more requests under a bound than in all");
            }
        }
    }

    /** [worker -> orchestrator] periodic sign of life, with what it served and what its JVM holds. */
    record Heartbeat(int worker, long requests, int inFlight, long oldestMillis, Latency latency, long heapUsed,
                     long heapCommitted, long gcPauseMillis, long gcCount) implements ControlMessage {
        @Override
        public Message encode() {
            return Message.of(MessageType.HEARTBEAT, "worker", Integer.toString(worker),
                    "requests", Long.toString(requests), "inflight", Integer.toString(inFlight), "oldest-ms", Long.toString(oldestMillis),
                    "latency-bounds-ms", join(latency.boundsMillis()), "latency-cumulative", join(latency.cumulative()),
                    "latency-count", Long.toString(latency.count()), "latency-sum-us", Long.toString(latency.sumMicros()),
                    "heap-used", Long.toString(heapUsed), "heap-committed", Long.toString(heapCommitted),
                    "gc-pause-ms", Long.toString(gcPauseMillis), "gc-count", Long.toString(gcCount));
        }
    }

    /** [orchestrator -> worker] reopen log files (the orchestrator got USR1). */
    record ReopenLogs() implements ControlMessage {
        @Override
        public Message encode() {
            return Message.of(MessageType.REOPEN_LOGS);
        }
    }

    /** [thaw CLI -> orchestrator] the pool's state; answered with a {@link Reply} holding JSON. */
    record Status() implements ControlMessage {
        @Override
        public Message encode() {
            return Message.of(MessageType.STATUS);
        }
    }

    /** [thaw CLI -> orchestrator] change the number of workers. */
    record Scale(int workers) implements ControlMessage {
        @Override
        public Message encode() {
            return Message.of(MessageType.SCALE, "workers", Integer.toString(workers));
        }
    }

    /** [thaw CLI -> orchestrator] rolling restart of every worker, like HUP. */
    record Reload() implements ControlMessage {
        @Override
        public Message encode() {
            return Message.of(MessageType.RELOAD);
        }
    }

    /** [orchestrator -> thaw CLI] the answer; {@code json} is null unless asked for (STATUS). */
    record Reply(boolean ok, String message, String json) implements ControlMessage {
        @Override
        public Message encode() {
            Message m = Message.of(MessageType.REPLY, "ok", Boolean.toString(ok), "message", message);
            return json == null ? m : m.with("json", json);
        }
    }

    /** Decodes one wire message; throws {@link ProtocolException} naming what is missing or malformed. */
    static ControlMessage decode(Message m) {
        try {
            return switch (m.type()) {
                case HELLO -> {
                    Role role = Role.of(m.require("role"));
                    yield new Hello(role, role == Role.WORKER ? integer(m, "worker") : -1, number(m, "pid"), integer(m, "protocol"),
                            role == Role.LEADER ? m.require("java-home") : null);
                }
                case CHECKPOINT -> new Checkpoint();
                case READY_TO_DUMP -> new ReadyToDump(number(m, "pid"), new MemoryAfterGc(number(m, "heap-used"),
                        number(m, "heap-committed"), number(m, "metaspace"), number(m, "code-cache")), m.get("guardrail").orElse(null),
                        m.get("requests-served").isPresent() ? count(m, "requests-served") : null);
                case CHECKPOINT_FAILED -> new CheckpointFailed(m.get("error").orElse("no reason given"),
                        "guardrail".equals(m.get("kind").orElse("")));
                case ABORT -> new Abort(m.get("reason").orElse("no reason given"));
                case READY -> new Ready(integer(m, "worker"), number(m, "after-restore-ms"), m.get("requests-counted-by").orElse(null));
                case RESTORE_FAILED -> new RestoreFailed(integer(m, "worker"), m.get("error").orElse("no reason given"));
                case HEARTBEAT -> new Heartbeat(integer(m, "worker"), count(m, "requests"), (int) count(m, "inflight"),
                        count(m, "oldest-ms"), new Latency(numbers(m, "latency-bounds-ms"), numbers(m, "latency-cumulative"),
                        count(m, "latency-count"), count(m, "latency-sum-us")), count(m, "heap-used"),
                        count(m, "heap-committed"), count(m, "gc-pause-ms"), count(m, "gc-count"));
                case REOPEN_LOGS -> new ReopenLogs();
                case STATUS -> new Status();
                case SCALE -> new Scale(integer(m, "workers"));
                case RELOAD -> new Reload();
                case REPLY -> new Reply(Boolean.parseBoolean(m.require("ok")), m.get("message").orElse(""), m.get("json").orElse(null));
                case IDENTITY -> throw new ProtocolException("IDENTITY travels on stdin only");
            };
        } catch (NumberFormatException e) {
            throw new ProtocolException("malformed " + m.type() + ": " + e.getMessage());
        }
    }

    private static long number(Message m, String key) {
        String v = m.require(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ProtocolException("malformed " + m.type() + ": " + key + "=" + v + " is not a number");
        }
    }

    /** A count or a size a worker reports: never negative, so that no figure can turn a comparison around. */
    private static long count(Message m, String key) {
        long v = number(m, key);
        if (v < 0 || ("inflight".equals(key) && v > Integer.MAX_VALUE)) {
            throw new ProtocolException("malformed " + m.type() + ": " + key + "=" + v + " is out of range");
        }
        return v;
    }

    private static int integer(Message m, String key) {
        long v = number(m, key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new ProtocolException("malformed " + m.type() + ": " + key + "=" + v + " is out of range");
        }
        return (int) v;
    }

    private static long[] numbers(Message m, String key) {
        String v = m.require(key);
        if (v.isEmpty()) {
            return new long[0];
        }
        try {
            return Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
        } catch (NumberFormatException e) {
            throw new ProtocolException("malformed " + m.type() + ": " + key + "=" + v + " is not a list of numbers");
        }
    }

    private static String join(long[] values) {
        List<String> parts = new ArrayList<>();
        for (long v : values) {
            parts.add(Long.toString(v));
        }
        return String.join(",", parts);
    }
}
