package dev.thaw.lifecycle.runtime;

import dev.thaw.lifecycle.control.ControlConnection;
import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.ProtocolException;
import dev.thaw.lifecycle.crac.CheckpointException;
import dev.thaw.lifecycle.crac.RestoreException;
import dev.thaw.lifecycle.guardrail.Baseline;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The leader's connection to the orchestrator. A daemon thread waits for CHECKPOINT and runs the
 * checkpoint on itself; in each restored worker that same thread returns from the checkpoint and
 * ends, since the worker has its own session by then.
 */
final class LeaderLink {
    /** Exit code of a leader whose orchestrator went away: it exists only to be checkpointed. */
    static final int EXIT_ORCHESTRATOR_GONE = 1;

    private final Path socket;
    private final ControlConnection connection;
    private final Baseline own;
    private volatile boolean handedOver;

    private LeaderLink(Path socket, ControlConnection connection, Baseline own) {
        this.socket = socket;
        this.connection = connection;
        this.own = own;
    }

    /**
     * Connects to the orchestrator. {@code previous} is the link this one replaces (after ABORT), or null
     * in the agent, before the app's main: then everything open so far is the JVM's or thaw's, never the
     * app's, and the guardrail leaves it alone from then on.
     */
    static LeaderLink open(Path socket, ThawRuntime runtime, LeaderLink previous) throws IOException {
        Baseline before = Baseline.now();
        ControlConnection connection = ControlConnection.connect(socket);
        Baseline after = Baseline.now();
        Baseline own = previous == null ? after.plusFds(Baseline.NONE) : previous.own.plusFds(after.fdsOpenedSince(before));
        connection.send(ControlMessage.Hello.leader().encode());
        LeaderLink link = new LeaderLink(socket, connection, own);
        Thread thread = new Thread(() -> link.serve(runtime), "thaw-leader-control");
        thread.setDaemon(true);
        thread.start();
        return link;
    }

    Path socket() {
        return socket;
    }

    /** thaw's own control connection, which the guardrail leaves alone. */
    Baseline ownSockets() {
        return own;
    }

    /** Tells the orchestrator to dump and closes the connection: no socket crosses the snapshot. */
    void readyToDump(String guardrailReport) {
        handedOver = true;
        sendQuietly(ThawRuntime.readyToDump(guardrailReport));
        try {
            connection.close();
        } catch (IOException ignored) {
            // closing is all that matters, and the channel is closed even when this throws
        }
    }

    void sendQuietly(Message message) {
        try {
            connection.send(message);
        } catch (IOException e) {
            System.err.println("thaw: cannot reach the orchestrator: " + e.getMessage());
        }
    }

    private void serve(ThawRuntime runtime) {
        try {
            while (true) {
                if (ControlMessage.decode(connection.receive()) instanceof ControlMessage.Checkpoint) {
                    checkpointOnUserThread(runtime);
                    if (handedOver) {
                        return;
                    }
                }
            }
        } catch (IOException | ProtocolException e) {
            if (!handedOver) {
                // The orchestrator is gone: a leader only exists to be checkpointed by it.
                System.err.println("thaw: the orchestrator closed the control connection (" + e.getMessage() + "); leader exiting");
                System.exit(EXIT_ORCHESTRATOR_GONE);
            }
        }
    }

    /**
     * Runs the checkpoint, and the worker's start that follows it, on a thread that is not a daemon. This
     * connection's thread is one (a leader must be free to exit on its own before thaw asks for anything), so
     * an app whose main returned once its server was up, and whose beforeCheckpoint stops that server's last
     * thread, would otherwise have no thread left that keeps the JVM alive, and exit before its dump.
     */
    private static void checkpointOnUserThread(ThawRuntime runtime) {
        Thread checkpoint = new Thread(() -> checkpoint(runtime), "thaw-checkpoint");
        checkpoint.setDaemon(false);
        checkpoint.start();
        try {
            checkpoint.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void checkpoint(ThawRuntime runtime) {
        try {
            runtime.checkpointRestore();
        } catch (CheckpointException e) {
            // The orchestrator prints the whole report (CHECKPOINT_FAILED); the leader's own log says that it happened.
            System.err.println("thaw: checkpoint refused: " + e.getMessage());
        } catch (RestoreException e) {
            System.err.println("thaw: afterRestore failed, worker exiting: " + ThawRuntime.describe(e));
            for (Throwable t : e.getSuppressed()) {
                System.err.print(ThawRuntime.stackTrace(t));
            }
            System.exit(ControlMessage.EXIT_RESTORE_FAILED);
        }
    }
}
