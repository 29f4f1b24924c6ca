package dev.thaw.pool;

import dev.thaw.Bytes;
import dev.thaw.control.Peer;
import dev.thaw.image.ImageManifest;
import dev.thaw.lifecycle.WorkerIdentity;
import dev.thaw.lifecycle.control.ControlMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * --refork-after, Pitchfork's idea: the busiest worker of the newest generation, once it has served
 * the next threshold, is checkpointed into the next generation, and the pool rolls onto it. One
 * refork at a time; a failed one backs off (5 s, 10 s, 20 s... up to 5 min) so a refork that cannot
 * succeed never churns. Every piece of refork state lives here; the supervisor feeds it events and
 * rolls the pool when a new generation is made.
 */
final class Reforker {
    private static final long FIRST_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long RETRY_MAX_NANOS = TimeUnit.MINUTES.toNanos(5);

    private final RunSettings settings;
    private final ImageStore images;
    private final Clock clock;
    private final PoolListener listener;
    private final Path controlSocket;
    private final Consumer<String> log;
    private final Consumer<Event> events;
    private Refork refork;
    private int done;
    private int failures;
    private long notBeforeNanos;

    Reforker(RunSettings settings, ImageStore images, Clock clock, PoolListener listener, Path controlSocket,
             Consumer<String> log, Consumer<Event> events) {
        this.settings = settings;
        this.images = images;
        this.clock = clock;
        this.listener = listener;
        this.controlSocket = controlSocket;
        this.log = log;
        this.events = events;
    }

    /** Reforks made so far by this run (shown by thaw status; picks the next --refork-after threshold). */
    int done() {
        return done;
    }

    boolean inProgress() {
        return refork != null;
    }

    /** Whether criu is dumping {@code w} right now: a TERM then would put a JVM shutting down into the image. */
    boolean isDumping(Worker w) {
        return isMold(w) && refork.phase == Refork.Phase.DUMPING;
    }

    /**
     * Starts a refork if one is due: a threshold is set, nothing else changes the pool ({@code poolBusy}:
     * a roll, a USR2 checkpoint or a restore under way), the backoff is over, and another worker serves.
     */
    void maybeStart(List<Worker> ready, boolean poolBusy) {
        int threshold = settings.reforkThreshold(done);
        if (threshold == 0 || refork != null || poolBusy || clock.nanoTime() < notBeforeNanos || ready.size() < 2) {
            return;
        }
        long newest = images.manifest().generation();
        ready.stream().filter(w -> w.generation() == newest && w.replacedBy == null && w.peer != null && w.requests >= threshold)
                .max(Comparator.comparingLong(w -> w.requests))
                .ifPresent(this::start);
    }

    private void start(Worker w) {
        refork = new Refork(w, images.manifest().generation() + 1, w.requests);
        w.startRefork(clock.nanoTime());
        listener.reforkStarted(w.ref(), refork.generation);
        log.accept(w.describe() + " served " + w.requests + " requests: reforking it into generation " + refork.generation
                + " (beforeCheckpoint, then criu dump --leave-running; the other workers serve meanwhile)");
        if (!w.peer.send(new ControlMessage.Checkpoint())) {
            w.servesAgain(clock.nanoTime());
            failed("its control connection is gone");
        }
    }

    /** The mold's beforeCheckpoint ran: it will close its connection, and then it is dumped. */
    void readyToDump(Worker w, ImageManifest.MemoryAtDump memory) {
        if (isMold(w)) {
            refork.readyToDump = true;
            refork.memory = memory;
        }
    }

    /** The mold's beforeCheckpoint refused: it goes on serving. */
    void checkpointFailed(Worker w, String error) {
        if (isMold(w)) {
            if (w.is(WorkerState.REFORKING)) { // not when it was told to stop meanwhile: it drains
                w.servesAgain(clock.nanoTime());
            }
            failed("its beforeCheckpoint refused: " + error);
        }
    }

    /** The mold closes its connection once ready to be dumped: no socket of thaw's may be in the image. */
    void connectionClosed(Peer peer) {
        if (refork == null || refork.mold.peer == null || refork.mold.peer.connectionId() != peer.connectionId()) {
            return;
        }
        refork.mold.peer = null;
        if (refork.phase == Refork.Phase.CHECKPOINTING && !refork.mold.is(WorkerState.REFORKING)) {
            failed("it was told to stop before its dump"); // a JVM on its way out must not become the image
            return;
        }
        if (refork.readyToDump && refork.phase == Refork.Phase.CHECKPOINTING) {
            log.accept(refork.mold.describe() + " ready to dump: criu dump --leave-running into " + images.directory());
            refork.startDump(images, images.manifest(), events);
        }
    }

    /** A worker exited: if it was the mold before its dump, no dump runs and nothing else ends this refork. */
    void workerExited(Worker w) {
        if (isMold(w) && refork.phase == Refork.Phase.CHECKPOINTING) {
            failed("the worker exited before its dump");
        }
    }

    /**
     * The dump ended: the pool serves the new generation (returned, for the supervisor to roll onto),
     * or keeps serving the old one. Either way the mold, if it waits, is told which one it now serves.
     */
    Optional<ImageManifest> dumped(Event.ReforkDumped d, boolean moldAlive) {
        Refork r = d.refork();
        if (r != refork) {
            if (d.image() != null) {
                images.discard(d.image());
            }
            return Optional.empty();
        }
        boolean moldWaits = moldAlive && r.mold.is(WorkerState.REFORKING);
        long serving = images.manifest().generation();
        if (d.image() == null) {
            failed(d.error());
            resume(r.mold, serving, moldWaits);
            return Optional.empty();
        }
        ImageManifest next = images.switchTo(d.image()); // verified on the dump's thread: nothing is hashed here
        refork = null;
        done++;
        failures = 0;
        listener.imageChanged(next);
        listener.reforkFinished(true);
        log.accept("refork: generation " + next.generation() + " made from " + next.madeFrom() + " ("
                + Bytes.human(next.imageBytes()) + ", dumped in " + next.dumpMillis() + " ms"
                + (next.memoryAtDump() == null ? "" : "; " + next.memoryAtDump().describe(next.imageBytes())) + ")");
        if (moldWaits) {
            r.mold.process.nowServes(next.generation());
        }
        resume(r.mold, next.generation(), moldWaits);
        return Optional.of(next);
    }

    /** How long a refork may take before its mold is killed: it drains, then restores in place. */
    long deadlineNanos() {
        return settings.gracefulTimeout().toNanos() + settings.readyTimeout().toNanos();
    }

    private boolean isMold(Worker w) {
        return refork != null && refork.mold == w;
    }

    /** The mold reads its identity from stdin, as if just restored, and runs afterRestore in place. */
    private void resume(Worker mold, long generation, boolean moldWaits) {
        if (!moldWaits) {
            return;
        }
        WorkerIdentity identity = new WorkerIdentity(mold.slot(), generation, clock.now(), controlSocket, settings.heartbeat(),
                settings.env(), Map.of());
        try {
            mold.process.writeLine(identity.toMessage().encode());
        } catch (IOException e) {
            log.accept(mold.describe() + " cannot be told to resume (" + e.getMessage() + "): killing it");
            mold.kill();
        }
    }

    private void failed(String why) {
        Worker mold = refork.mold;
        refork = null;
        listener.reforkFinished(false);
        failures++;
        long delay = Math.min(FIRST_RETRY_NANOS << Math.min(failures - 1, 10), RETRY_MAX_NANOS);
        notBeforeNanos = clock.nanoTime() + delay;
        log.accept("refork of " + mold.describe() + " failed: " + why + ": generation " + images.manifest().generation()
                + " keeps serving; next refork attempt in " + TimeUnit.NANOSECONDS.toSeconds(delay) + " s at the earliest");
    }
}
