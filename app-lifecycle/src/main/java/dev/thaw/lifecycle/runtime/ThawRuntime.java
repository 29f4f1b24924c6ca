package dev.thaw.lifecycle.runtime;

import dev.thaw.lifecycle.Requests;
import dev.thaw.lifecycle.agent.Drain;
import dev.thaw.lifecycle.agent.ServerRequests;
import dev.thaw.lifecycle.WorkerIdentity;
import dev.thaw.lifecycle.control.ControlConnection;
import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.ProtocolException;
import dev.thaw.lifecycle.crac.CheckpointException;
import dev.thaw.lifecycle.crac.OrderedContext;
import dev.thaw.lifecycle.crac.RestoreException;
import dev.thaw.lifecycle.guardrail.Guardrail;
import dev.thaw.lifecycle.guardrail.GuardrailReport;
import dev.thaw.lifecycle.guardrail.GuardrailSettings;
import dev.thaw.lifecycle.uniqueness.Reseeder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * thaw's runtime inside a JVM: the global context and the checkpoint itself.
 *
 * <p>A checkpoint, seen from inside the leader: run every beforeCheckpoint; tell the orchestrator
 * READY_TO_DUMP and close the control connection (no socket may cross the snapshot); block reading
 * stdin. CRIU dumps the process while it waits. Each restored worker wakes up in that same read,
 * now on its own stdin pipe, and reads its IDENTITY; then it sets its identity properties, connects
 * to the orchestrator, runs every afterRestore and reports READY.
 *
 * <p>A refork is the same checkpoint taken in a serving worker ({@link #checkpointWorker}): CRIU dumps
 * it with --leave-running, so the worker wakes up from that same read of stdin once the dump is
 * over, like every worker later restored from the new image.
 */
public final class ThawRuntime {
    private static final ThawRuntime INSTANCE = new ThawRuntime();

    private final OrderedContext globalContext = new OrderedContext();
    private final Object checkpointLock = new Object();
    private final HeapShrinker heapShrinker = new HeapShrinker();
    private volatile LeaderLink leaderLink;
    private volatile WorkerIdentity identity;

    private ThawRuntime() {
    }

    public static ThawRuntime get() {
        return INSTANCE;
    }

    public OrderedContext globalContext() {
        return globalContext;
    }

    public Optional<WorkerIdentity> identity() {
        return Optional.ofNullable(identity);
    }

    /** Called by the agent in a leader started by the orchestrator. */
    public void attachLeader(Path controlSocket) throws IOException {
        leaderLink = LeaderLink.open(controlSocket, this, null);
    }

    public void checkpointRestore() throws CheckpointException, RestoreException {
        synchronized (checkpointLock) {
            LeaderLink link = leaderLink;
            if (link == null) {
                throw refusal("this JVM is not managed by a thaw orchestrator (no -Dthaw.control):"
                        + " checkpoint it with 'thaw checkpoint -- <java command>'");
            }
            beforeCheckpoint(link);
            GuardrailReport report = guardrail(link);
            rehearseWorkerStart(link.socket());
            heapShrinker.shrink();
            leaderLink = null;
            link.readyToDump(report.render() + "\n" + ServerRequests.describe());
            Message next = awaitStdin();
            if (next.type() == dev.thaw.lifecycle.control.MessageType.ABORT
                    && ControlMessage.decode(next) instanceof ControlMessage.Abort abort) {
                resumeAsLeader(link, abort.reason());
            }
            becomeWorker(parseIdentity(next));
        }
    }

    /**
     * A refork, seen from inside a serving worker: beforeCheckpoint, the heap made small, READY_TO_DUMP
     * and the control connection closed, exactly as in a leader. CRIU then dumps this JVM while it
     * keeps running, and the orchestrator writes an IDENTITY line to its stdin: the new generation
     * when the image was made, its old one when the dump failed. Either way the worker runs afterRestore
     * in place, reconnects and serves again, keeping its worker id.
     *
     * @return true when the connection was handed over (a new session serves from now on); false when
     *     beforeCheckpoint refused, in which case the worker told the orchestrator and serves on
     */
    /** How long a refork waits after beforeCheckpoint for the server's connections to close (see Guardrail#awaitNoTcpConnections). */
    static final java.time.Duration CONNECTIONS_CLOSE_WAIT = java.time.Duration.ofSeconds(2);

    public boolean checkpointWorker(ControlConnection connection) throws RestoreException {
        synchronized (checkpointLock) {
            try {
                globalContext.beforeCheckpoint(null);
            } catch (CheckpointException e) {
                reopenAfterFailedCheckpoint(e);
                sendQuietly(connection, new ControlMessage.CheckpointFailed(describe(e), false).encode());
                return false;
            }
            int open = dev.thaw.lifecycle.guardrail.Guardrail.awaitNoTcpConnections(CONNECTIONS_CLOSE_WAIT);
            if (open > 0) {
                System.err.println("thaw: " + open + " TCP connection(s) still open " + CONNECTIONS_CLOSE_WAIT.toMillis()
                        + " ms after beforeCheckpoint: the dump will refuse them; close them in beforeCheckpoint");
            }
            heapShrinker.shrink();
            sendQuietly(connection, readyToDump(null));
            try {
                connection.close();
            } catch (IOException ignored) {
                // the channel is closed even when this throws
            }
            becomeWorker(parseIdentity(awaitStdin()));
            return true;
        }
    }

    /**
     * READY_TO_DUMP with what the JVM holds after the heap was made small (see HeapShrinker#memoryAfterGc),
     * the leader's guardrail report (null from a reforking worker) and the requests it served, when
     * something counts them: a leader that served fewer than its warm-up sent shares its port with another
     * process, which the orchestrator refuses to dump.
     */
    static Message readyToDump(String guardrailReport) {
        Long served = ControlMessage.Ready.COUNTED_BY_NONE.equals(ServerRequests.countedBy()) ? null : Requests.snapshot().total();
        return new ControlMessage.ReadyToDump(ProcessHandle.current().pid(), HeapShrinker.memoryAfterGc(), guardrailReport, served).encode();
    }

    private void beforeCheckpoint(LeaderLink link) throws CheckpointException {
        try {
            globalContext.beforeCheckpoint(null);
        } catch (CheckpointException e) {
            reopenAfterFailedCheckpoint(e);
            link.sendQuietly(new ControlMessage.CheckpointFailed(describe(e), false).encode());
            throw e;
        }
    }

    /**
     * The last look before the dump, once every beforeCheckpoint ran: anything still open that must not
     * cross the snapshot refuses the checkpoint, like a failed beforeCheckpoint (resources reopen and the
     * leader goes on). The report travels to the orchestrator whole, with {@code kind=guardrail}.
     */
    private GuardrailReport guardrail(LeaderLink link) throws CheckpointException {
        GuardrailReport report;
        try {
            report = Guardrail.check(GuardrailSettings.fromSystemProperties(), link.ownSockets());
        } catch (RuntimeException e) {
            CheckpointException failure = refusal("guardrail: " + e.getMessage());
            reopenAfterFailedCheckpoint(failure);
            link.sendQuietly(new ControlMessage.CheckpointFailed(describe(failure), false).encode());
            throw failure;
        }
        if (!report.passed()) {
            CheckpointException failure = report.toException();
            reopenAfterFailedCheckpoint(failure);
            link.sendQuietly(new ControlMessage.CheckpointFailed(report.render(), true).encode());
            throw failure;
        }
        return report;
    }

    /** CRaC's rule: afterRestore runs even when the checkpoint failed, so resources reopen. */
    private void reopenAfterFailedCheckpoint(CheckpointException e) {
        try {
            globalContext.afterRestore(null);
        } catch (RestoreException r) {
            for (Throwable t : r.getSuppressed()) {
                e.addSuppressed(t);
            }
        }
    }

    /**
     * Blocks through the dump. Without a readable line there is nobody left to restore or resume this
     * JVM (its resources are closed, its control connection too), so it exits instead of lingering.
     */
    private static Message awaitStdin() {
        try {
            return StdinMessages.read();
        } catch (IOException | ProtocolException e) {
            System.err.println("thaw: no identity on stdin (" + e.getMessage() + "); exiting");
            System.exit(LeaderLink.EXIT_ORCHESTRATOR_GONE);
            throw new IllegalStateException("unreachable");
        }
    }

    /**
     * Runs, in the leader right before the dump, the code every restored worker runs between its restore
     * and its afterRestore, so that the image holds it ready: classes loaded and initialised (the JDK's
     * seeder holders among them), lambdas and string concatenations linked. A worker otherwise links
     * each of them on its own, after its restore, with every page it touches still to be faulted in:
     * about 50 ms of the sample app's ~170 ms to READY (docs/images.md, "Where restore time goes").
     * The heartbeat is built once too: a class a worker loads first after its restore can break what the
     * JIT assumed of the leader's classes (one implementation of ToLongFunction, say) and throw away the
     * app's hottest compiled code, Jetty's selector loop among it. Loaded here during the checkpoint
     * rehearsal, the leader's warm-up after it compiles with them (docs/images.md, "Code a worker loads
     * after its restore").
     * Nothing here changes what a worker does after its restore: it still reads its own identity and
     * reseeds everything from the kernel. Reseeding the leader's random state first only adds entropy.
     */
    private static void rehearseWorkerStart(Path controlSocket) {
        try {
            WorkerIdentity sample = new WorkerIdentity(0, 0, Instant.now(), controlSocket, java.time.Duration.ofSeconds(1),
                    java.util.Map.of("THAW_REHEARSAL", "1"), java.util.Map.of("thaw.rehearsal", "1"));
            WorkerIdentity parsed = parseIdentity(Message.decode(sample.toMessage().encode()));
            Reseeder.run().problems();
            FreshEnvironment.modifiableEnvironment();
            parsed.logPrefix();
            ControlMessage.Hello.worker(0).encode().encode();
            new ControlMessage.Ready(0, System.nanoTime() / 1_000_000).encode().encode();
            WorkerSession.heartbeatMessage(0, Requests.snapshot(), new JvmStats().sample()).encode();
        } catch (ReflectiveOperationException | RestoreException | RuntimeException e) {
            // a rehearsal only: the worker does it for real and reports what fails there
        }
    }

    private static WorkerIdentity parseIdentity(Message message) throws RestoreException {
        try {
            return WorkerIdentity.fromMessage(message, Instant.now());
        } catch (RuntimeException e) {
            RestoreException failure = new RestoreException("bad identity on stdin: " + e.getMessage());
            failure.addSuppressed(e);
            throw failure;
        }
    }

    /** org.crac rethrows its own exception with only the suppressed list, so the reason must be in it too. */
    private static CheckpointException refusal(String why) {
        CheckpointException e = new CheckpointException(why);
        e.addSuppressed(new IllegalStateException(why));
        return e;
    }

    private void resumeAsLeader(LeaderLink previous, String reason) throws CheckpointException, RestoreException {
        heapShrinker.restore();
        globalContext.afterRestore(null);
        try {
            leaderLink = LeaderLink.open(previous.socket(), this, previous);
        } catch (IOException e) {
            System.err.println("thaw: checkpoint aborted and the orchestrator is gone: " + e.getMessage());
        }
        throw refusal("checkpoint aborted by the orchestrator: " + reason);
    }

    private void becomeWorker(WorkerIdentity id) throws RestoreException {
        heapShrinker.restore();
        Requests.reset();
        ServerRequests.reset();
        identity = id;
        makeUnique(id);
        id.applySystemProperties();
        ControlConnection connection = connectAsWorker(id);
        long started = System.nanoTime();
        try {
            globalContext.afterRestore(null);
        } catch (RestoreException e) {
            sendQuietly(connection, new ControlMessage.RestoreFailed(id.workerId(), describe(e)).encode());
            throw e;
        }
        sendQuietly(connection, new ControlMessage.Ready(id.workerId(), (System.nanoTime() - started) / 1_000_000,
                ServerRequests.countedBy()).encode());
        WorkerSession.start(connection, id);
        Drain.installShutdownHook();
    }

    /**
     * What every worker restored from one image shares and must not: random state (reseeded from the
     * kernel) and the leader's environment (replaced by the orchestrator's). Before any afterRestore, so
     * that the app's reconnect code already sees both.
     */
    private static void makeUnique(WorkerIdentity id) {
        Reseeder reseeded = Reseeder.run();
        for (String problem : reseeded.problems()) {
            System.err.println("thaw: " + id.logPrefix() + " " + problem);
        }
        try {
            FreshEnvironment.apply(id.env());
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.err.println("thaw: " + id.logPrefix() + " cannot update System.getenv (" + e
                    + "); read per-worker values with Thaw.getenv");
        }
    }

    private static ControlConnection connectAsWorker(WorkerIdentity id) throws RestoreException {
        try {
            ControlConnection connection = ControlConnection.connect(id.controlSocket());
            connection.send(ControlMessage.Hello.worker(id.workerId()).encode());
            return connection;
        } catch (IOException e) {
            RestoreException failure = new RestoreException(e.getMessage());
            failure.addSuppressed(e);
            throw failure;
        }
    }

    private static void sendQuietly(ControlConnection connection, Message message) {
        try {
            connection.send(message);
        } catch (IOException e) {
            System.err.println("thaw: cannot reach the orchestrator: " + e.getMessage());
        }
    }

    /** One line per failure, so the orchestrator can print the whole report. */
    public static String describe(Exception aggregate) {
        StringBuilder out = new StringBuilder(String.valueOf(aggregate.getMessage()));
        for (Throwable t : aggregate.getSuppressed()) {
            out.append("\n  - ").append(t);
            Throwable root = t;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root != t && !t.toString().contains(root.toString())) {
                out.append(" (caused by ").append(root).append(')');
            }
        }
        return out.toString();
    }

    static String stackTrace(Throwable t) {
        StringWriter s = new StringWriter();
        t.printStackTrace(new PrintWriter(s));
        return s.toString();
    }
}
