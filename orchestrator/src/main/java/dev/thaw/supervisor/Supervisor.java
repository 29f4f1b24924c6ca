package dev.thaw.supervisor;

import dev.thaw.control.ControlEvent;
import dev.thaw.control.Peer;
import dev.thaw.engine.CriuLog;
import dev.thaw.engine.ImageManifest;
import dev.thaw.engine.RestoreStats;
import dev.thaw.engine.ThawException;
import dev.thaw.engine.WorkerProcess;
import dev.thaw.lifecycle.WorkerIdentity;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The arbiter of {@code thaw run}: keeps N restored workers serving. One loop, read top to bottom:
 * wait up to a second for an event and handle it, then the small steps that keep the pool healthy.
 * Signal handlers, process exits and the control server only post events; every decision is made
 * here, on this thread. Replacements (recycling, rolling restarts) are restored before the worker
 * they replace drains, so capacity never drops below N for them.
 */
public final class Supervisor {
    private enum State { RUNNING, STOPPING }

    private static final long MEMORY_SAMPLE_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** After a failed refork the next one waits 5 s, 10 s, 20 s... up to 5 min: a refork that cannot succeed must not churn. */
    private static final long REFORK_RETRY_MAX_NANOS = TimeUnit.MINUTES.toNanos(5);

    private final ImageSource images;
    /** This orchestrator's own command line up to the subcommand, to run 'thaw checkpoint' on USR2. */
    private final List<String> thawCommand;
    private final RunSettings settings;
    private final Path controlSocket;
    private final PrintStream out;
    private final PoolListener listener;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Workers workers = new Workers();
    private final Map<Integer, Integer> bootFailures = new HashMap<>();
    /** Backoff after a boot failure: 0.5 s, 1 s, 2 s... so a broken image never spins in a tight loop. */
    private final Map<Integer, Long> retryNotBefore = new HashMap<>();
    private final Map<Integer, Integer> restarts = new HashMap<>();
    /** Workers a rolling restart still has to replace, at most rollLimit at a time. */
    private final Set<Worker> rollPending = new LinkedHashSet<>();
    private int rollLimit;
    /** Why the roll in progress replaces workers, for metrics: a reload, or a refork's new generation. */
    private PoolListener.Reason rollReason = PoolListener.Reason.RELOAD;
    private int targetWorkers;
    private State state = State.RUNNING;
    private boolean announcedAllReady;
    private long nextMemorySampleNanos;
    /** The USR2 checkpoint in progress, if any. */
    private NextImage nextImage;
    /** The refork in progress, if any; reforksDone picks the next --refork-after threshold. */
    private Refork refork;
    private int reforksDone;
    private int reforkFailures;
    private long reforkNotBefore;
    private ThawException halt;

    public Supervisor(ImageSource images, List<String> thawCommand, RunSettings settings, Path controlSocket, PrintStream out) {
        this(images, thawCommand, settings, controlSocket, out, PoolListener.NONE);
    }

    /** @param listener told about restores, replacements, heartbeats, checkpoints and the pool (metrics) */
    public Supervisor(ImageSource images, List<String> thawCommand, RunSettings settings, Path controlSocket, PrintStream out,
                      PoolListener listener) {
        this.images = images;
        this.thawCommand = List.copyOf(thawCommand);
        this.settings = settings;
        this.controlSocket = controlSocket;
        this.out = out;
        this.listener = listener;
        this.targetWorkers = settings.workers();
    }

    /** Where the control server delivers its events. */
    public void post(ControlEvent e) {
        events.add(new Event.Control(e));
    }

    public void signal(String name) {
        events.add(new Event.SignalReceived(name));
    }

    /** Runs until stopped by a signal (returns 0) or halted by workers that cannot boot (throws). */
    public int run() throws InterruptedException {
        log("restoring " + targetWorkers + " workers from generation " + images.manifest().generation());
        if (!settings.reforkAfter().isEmpty()) {
            log("refork after " + settings.reforkAfter() + " requests" + (targetWorkers < 2
                    ? " once 2 workers serve (the reforked worker stops serving during its dump; --workers 2 or TTIN)" : ""));
        }
        manageWorkers();
        while (state == State.RUNNING || !workers.isEmpty()) {
            Event e = events.poll(1, TimeUnit.SECONDS);
            if (e != null) {
                handle(e);
            }
            if (state == State.RUNNING) {
                sampleMemory();
                killStuckWorkers();
                recycleWorkers();
                reforkWorkers();
                rollWorkers();
                manageWorkers();
            }
            killWorkersPastDeadline();
            releaseRetiredImages();
            listener.poolChanged(status());
        }
        if (nextImage != null) {
            nextImage.kill();
        }
        if (halt != null) {
            throw halt;
        }
        log("all workers stopped");
        return 0;
    }

    private void handle(Event e) {
        switch (e) {
            case Event.Control c -> handleControl(c.event());
            case Event.WorkerExited x -> reapWorker(x.process());
            case Event.SignalReceived s -> handleSignal(s.name());
            case Event.NextImageDone d -> finishNextImage(d.exitCode());
            case Event.ReforkDumped d -> finishRefork(d);
        }
    }

    // ---- events -------------------------------------------------------------------------------

    private void handleControl(ControlEvent e) {
        if (e instanceof ControlEvent.Closed c) {
            connectionClosed(c.peer());
            return;
        }
        if (!(e instanceof ControlEvent.Received r)) {
            return;
        }
        try {
            handleMessage(r.peer(), r.message());
        } catch (RuntimeException malformed) {
            // A worker's bad line (a number that is not one) costs it its connection, never the supervisor.
            log("closing the control connection of " + r.peer().role() + " " + r.peer().workerId() + " (pid "
                    + r.peer().credentials().pid() + "): malformed " + r.message().type() + ": " + malformed.getMessage());
            r.peer().close();
        }
    }

    private void handleMessage(Peer peer, Message m) {
        if ("cli".equals(peer.role())) {
            answerCli(peer, m);
            return;
        }
        if (m.type() == MessageType.HELLO && "worker".equals(peer.role())) {
            acceptWorker(peer);
            return;
        }
        workers.byPeer(peer.connectionId()).ifPresent(w -> {
            switch (m.type()) {
                case READY -> {
                    w.afterRestoreMillis = m.get("after-restore-ms").map(Long::parseLong).orElse(0L);
                    markReady(w);
                }
                case HEARTBEAT -> recordHeartbeat(w, m);
                case READY_TO_DUMP -> {
                    if (refork != null && refork.mold == w) {
                        refork.readyToDump = true;
                        refork.memory = ImageManifest.MemoryAtDump.of(m);
                    }
                }
                case CHECKPOINT_FAILED -> {
                    if (refork != null && refork.mold == w) {
                        w.state = WorkerState.READY;
                        reforkFailed(refork, "its beforeCheckpoint refused: " + m.get("error").orElse("no reason").replace("\n", " "));
                        refork = null;
                    }
                }
                case RESTORE_FAILED -> {
                    w.restoreError = m.get("error").orElse("no reason given").replace("\n", " ");
                    log(w.describe() + " afterRestore failed: " + w.restoreError);
                }
                default -> { }
            }
        });
    }

    /**
     * A worker's HELLO is believed only for the process the kernel says connected: it must be the JVM
     * of a worker restoring (or reforking) in the slot it claims. That is how thaw learns the JVM's host
     * PID; anyone else is refused and disconnected.
     */
    private void acceptWorker(Peer peer) {
        String refused = "no worker of that slot is waiting to connect";
        for (Worker w : workers.awaitingHello(peer.workerId())) {
            java.util.Optional<String> why = w.process.adopt(peer.credentials().pid());
            if (why.isEmpty()) {
                w.peer = peer;
                return;
            }
            refused = why.get();
        }
        log("refused a control connection claiming to be worker=" + peer.workerId() + " from pid "
                + peer.credentials().pid() + ": " + refused);
        peer.close();
    }

    private void recordHeartbeat(Worker w, Message m) {
        w.lastHeartbeatNanos = System.nanoTime();
        w.requests = m.get("requests").map(Long::parseLong).orElse(w.requests);
        w.inFlight = m.get("inflight").map(Integer::parseInt).orElse(0);
        w.oldestRequestMillis = m.get("oldest-ms").map(Long::parseLong).orElse(0L);
        listener.heartbeat(w.ref(), m);
    }

    /** The mold closes its connection once ready to be dumped: no socket of thaw's may be in the image. */
    private void connectionClosed(Peer peer) {
        if (refork == null || refork.mold.peer == null || refork.mold.peer.connectionId() != peer.connectionId()) {
            return;
        }
        refork.mold.peer = null;
        if (refork.readyToDump && refork.phase == Refork.Phase.CHECKPOINTING) {
            log(refork.mold.describe() + " ready to dump: criu dump --leave-running into " + images.directory());
            refork.startDump(images.reforkDump(), images.manifest(), events::add);
        }
    }

    private void markReady(Worker w) {
        if (w.state == WorkerState.REFORKING) {
            w.state = WorkerState.READY;
            w.lastHeartbeatNanos = System.nanoTime();
            log(w.describe() + " serves again, " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w.reforkStartedNanos)
                    + " ms after its refork began");
            return;
        }
        w.state = WorkerState.READY;
        w.lastHeartbeatNanos = System.nanoTime();
        w.readyMillis = w.process.millisSinceStart();
        bootFailures.remove(w.slot());
        String replacing = w.replaces == null ? "" : " (replacing pid " + w.replaces.process.hostPid() + ")";
        log(w.describe() + " ready in " + w.readyMillis + " ms" + replacing);
        listener.restoreFinished(w.ref(), Duration.ofMillis(w.readyMillis));
        if (w.replaces != null) {
            retire(w.replaces, w.replaces.retireReason);
        }
        if (!announcedAllReady && workers.count(WorkerState.READY) >= targetWorkers) {
            announcedAllReady = true;
            log("all " + targetWorkers + " workers ready");
        }
        // Bookkeeping after the worker counts as ready: reading smaps_rollup of a JVM that is faulting its
        // pages in took up to 40 ms under load, and the ready line and the retirement need not wait for it.
        w.criuStats = RestoreStats.read(w.process.restoreLog().getParent());
        w.memory = ProcessMemory.of(w.process.jvm()); // thaw status shows it at once, not at the next sample
    }

    private void reapWorker(WorkerProcess process) {
        workers.remove(process).ifPresent(w -> {
            listener.workerGone(w.ref());
            rollPending.remove(w);
            if (w.replacedBy != null) {
                w.replacedBy.replaces = null; // its replacement now simply fills the slot
            }
            if (w.replaces != null) {
                w.replaces.replacedBy = null; // the old worker keeps serving and is replaced again later
                if ("rolling restart".equals(w.replaces.retireReason) && w.replaces.state == WorkerState.READY) {
                    rollPending.add(w.replaces);
                }
            }
            if (refork != null && refork.mold == w && refork.phase == Refork.Phase.CHECKPOINTING) {
                reforkFailed(refork, "the worker exited before its dump");
                refork = null; // no dump runs: nothing else will end this refork
            }
            switch (w.state) {
                case DRAINING -> log(w.describe() + " exited (" + w.retireReason + "), " + w.process.exitCause());
                case REFORKING -> {
                    restarts.merge(w.slot(), 1, Integer::sum);
                    log(w.describe() + " exited during its refork, " + w.process.exitCause()
                            + (state == State.RUNNING ? ": restoring a replacement" : ""));
                }
                case READY -> {
                    restarts.merge(w.slot(), 1, Integer::sum);
                    log(w.describe() + " exited unexpectedly, " + w.process.exitCause()
                            + (state == State.RUNNING ? ": restoring a replacement" : ""));
                    if (state == State.RUNNING) {
                        listener.workerReplaced(w.ref(), PoolListener.Reason.CRASH);
                    }
                }
                case RESTORING -> {
                    if (state == State.RUNNING) {
                        countBootFailure(w);
                    }
                }
            }
        });
    }

    private void countBootFailure(Worker w) {
        int failures = bootFailures.merge(w.slot(), 1, Integer::sum);
        listener.bootFailed(w.ref());
        String why = w.restoreError != null ? w.restoreError
                : CriuLog.firstError(w.process.restoreLog()).map(s -> "criu: " + s).orElse("exited before it was ready");
        log(w.describe() + " failed to boot (" + failures + "/" + settings.maxBootFailures() + "): " + why);
        retryNotBefore.put(w.slot(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500L << Math.min(failures - 1, 6)));
        if (failures >= settings.maxBootFailures() && rollBack(w, why)) {
            return;
        }
        if (failures >= settings.maxBootFailures()) {
            halt = new ThawException(ThawException.EXIT_WORKER_BOOT_ERROR, "worker " + w.slot() + " failed to boot "
                    + failures + " times in a row: " + why + BootFailureHint.forReason(why)
                    + ": fix the cause (see the worker's output above), or make a fresh image with 'thaw checkpoint --force'");
            beginStop("halting", false);
        }
    }

    /**
     * A replacement from a new image keeps failing to boot while workers of the image before serve: the
     * roll stops and the pool restores from the image its serving workers came from, which it kept. It
     * never kills healthy workers because their replacements fail.
     *
     * @return false when there is nothing to roll back to (no worker of another image serves)
     */
    private boolean rollBack(Worker failed, String why) {
        if (failed.replaces == null) {
            return false;
        }
        java.util.Optional<Worker> serving = workers.inState(WorkerState.READY).stream()
                .filter(r -> r.restoredFrom != failed.restoredFrom).findFirst();
        if (serving.isEmpty() || !images.rollBackTo(serving.get().restoredFrom)) {
            return false;
        }
        rollPending.clear();
        bootFailures.clear();
        listener.imageChanged(images.manifest());
        log("worker " + failed.slot() + " failed to boot " + settings.maxBootFailures() + " times in a row from generation "
                + failed.generation() + " (" + why + "): the roll stopped; " + workers.count(WorkerState.READY)
                + " workers keep serving, and the pool restores from generation " + images.manifest().generation()
                + " again: fix the new image, then send HUP");
        return true;
    }

    private void handleSignal(String name) {
        switch (name) {
            case "TERM" -> beginStop("received SIGTERM", true);
            case "INT", "QUIT" -> beginStop("received SIG" + name, false);
            case "HUP" -> reload("received SIGHUP");
            case "TTIN" -> scaleTo(targetWorkers + 1, "received SIGTTIN");
            case "TTOU" -> scaleTo(targetWorkers - 1, "received SIGTTOU");
            case "USR1" -> reopenLogs();
            case "USR2" -> startNextImage();
            default -> log("ignoring SIG" + name);
        }
    }

    // ---- the steps of the loop ------------------------------------------------------------------

    /** Reads each worker's memory now and then, for --max-memory and thaw status. */
    private void sampleMemory() {
        if (System.nanoTime() < nextMemorySampleNanos) {
            return;
        }
        nextMemorySampleNanos = System.nanoTime() + MEMORY_SAMPLE_NANOS;
        for (Worker w : workers.inState(WorkerState.READY)) {
            w.memory = ProcessMemory.of(w.process.jvm());
        }
    }

    /** A worker that stopped heartbeating, or is stuck in one request past --timeout, is replaced and killed. */
    private void killStuckWorkers() {
        long timeoutMillis = settings.timeout().toMillis();
        for (Worker w : workers.inState(WorkerState.READY)) {
            long silentMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w.lastHeartbeatNanos);
            String reason = silentMillis > timeoutMillis ? "timeout: no heartbeat for " + silentMillis + " ms"
                    : w.oldestRequestMillis > timeoutMillis ? "timeout: a request has run for " + w.oldestRequestMillis + " ms"
                    : null;
            if (reason != null) {
                log(w.describe() + " " + reason + " (timeout " + timeoutMillis + " ms): replacing it");
                restarts.merge(w.slot(), 1, Integer::sum);
                listener.workerReplaced(w.ref(), PoolListener.Reason.TIMEOUT);
                startReplacement(w, reason);
                retire(w, reason); // a stuck worker serves nobody: it need not wait for its replacement
            }
        }
    }

    /** --max-requests and --max-memory: the replacement is ready before the old worker drains. */
    private void recycleWorkers() {
        for (Worker w : workers.inState(WorkerState.READY)) {
            if (w.replacedBy != null) {
                continue;
            }
            if (w.maxRequests > 0 && w.requests >= w.maxRequests) {
                listener.workerReplaced(w.ref(), PoolListener.Reason.MAX_REQUESTS);
                startReplacement(w, "max-requests: served " + w.requests + " of " + w.maxRequests);
            } else if (settings.maxMemoryMiB() > 0 && memoryMiB(w) > settings.maxMemoryMiB()) {
                listener.workerReplaced(w.ref(), PoolListener.Reason.MEMORY);
                startReplacement(w, "max-memory: " + settings.memoryMetric() + " " + memoryMiB(w) + " MiB > " + settings.maxMemoryMiB() + " MiB");
            }
        }
    }

    /**
     * --refork-after: the busiest worker of the newest generation that has served the next threshold is
     * checkpointed into the next generation. One refork at a time, never during a roll or a USR2
     * checkpoint, and only while another worker serves.
     */
    private void reforkWorkers() {
        int threshold = settings.reforkThreshold(reforksDone);
        if (threshold == 0 || refork != null || nextImage != null || !rollPending.isEmpty()
                || workers.count(WorkerState.RESTORING) > 0 || System.nanoTime() < reforkNotBefore) {
            return;
        }
        List<Worker> ready = workers.inState(WorkerState.READY);
        if (ready.size() < 2) {
            return;
        }
        long newest = images.manifest().generation();
        ready.stream().filter(w -> w.generation() == newest && w.replacedBy == null && w.peer != null && w.requests >= threshold)
                .max(java.util.Comparator.comparingLong(w -> w.requests))
                .ifPresent(this::startRefork);
    }

    /** Rolling restart: at most rollLimit replacements restoring at once. */
    private void rollWorkers() {
        if (rollPending.isEmpty()) {
            return;
        }
        long inProgress = workers.inState(WorkerState.RESTORING).stream().filter(w -> w.replaces != null).count();
        for (Worker w : Set.copyOf(rollPending)) {
            if (inProgress >= rollLimit) {
                return;
            }
            if (System.nanoTime() < retryNotBefore.getOrDefault(w.slot(), 0L)) {
                continue; // its last replacement failed to boot: backoff
            }
            rollPending.remove(w);
            if (w.state == WorkerState.READY && w.replacedBy == null) {
                listener.workerReplaced(w.ref(), rollReason);
                startReplacement(w, "rolling restart");
                inProgress++;
            }
        }
        if (rollPending.isEmpty()) {
            log("rolling restart: every worker has a replacement on the way");
        }
    }

    /** Images the pool switched away from are deleted once no worker restored from them is left. */
    private void releaseRetiredImages() {
        images.releaseRetired(workers.all().stream().map(w -> w.restoredFrom).toList());
    }

    /** Restores a worker into every empty slot below the target; retires workers of slots above it. */
    private void manageWorkers() {
        for (int slot = 0; slot < targetWorkers && state == State.RUNNING; slot++) {
            if (!workers.slotFilled(slot) && System.nanoTime() >= retryNotBefore.getOrDefault(slot, 0L)) {
                restoreWorker(slot, null);
            }
        }
        for (Worker w : workers.all()) {
            if (w.slot() >= targetWorkers && w.isActive()) {
                listener.workerReplaced(w.ref(), PoolListener.Reason.SCALE);
                retire(w, "scaled down to " + targetWorkers);
            }
        }
    }

    /** Draining workers past --graceful-timeout and restores past --ready-timeout are killed. */
    private void killWorkersPastDeadline() {
        long now = System.nanoTime();
        for (Worker w : workers.all()) {
            if (w.state == WorkerState.DRAINING && now > w.drainDeadlineNanos && w.process.isAlive()) {
                log(w.describe() + " still running " + settings.gracefulTimeout().toSeconds() + " s after TERM: killing");
                w.drainDeadlineNanos = Long.MAX_VALUE;
                w.process.kill();
            } else if (w.state == WorkerState.RESTORING && w.process.millisSinceStart() > settings.readyTimeout().toMillis()) {
                log(w.describe() + " not ready after " + settings.readyTimeout().toSeconds() + " s: killing");
                w.process.kill();
            } else if (w.state == WorkerState.REFORKING && now - w.reforkStartedNanos > reforkDeadlineNanos()) {
                log(w.describe() + " not serving again " + TimeUnit.NANOSECONDS.toSeconds(reforkDeadlineNanos())
                        + " s after its refork began: killing");
                w.reforkStartedNanos = Long.MAX_VALUE / 2;
                w.process.kill();
            }
        }
    }

    // ---- actions ------------------------------------------------------------------------------

    private void startReplacement(Worker old, String reason) {
        old.retireReason = reason;
        Worker replacement = restoreWorker(old.slot(), old);
        if (replacement != null) {
            old.replacedBy = replacement;
        }
    }

    private Worker restoreWorker(int slot, Worker replaces) {
        var restorer = images.restorer();
        WorkerIdentity identity = new WorkerIdentity(slot, restorer.manifest().generation(), Instant.now(),
                controlSocket, settings.heartbeat(), settings.env(), settings.properties());
        try {
            WorkerProcess p = restorer.restore(identity, this::print);
            Worker w = new Worker(p, restorer, maxRequestsWithJitter());
            w.replaces = replaces;
            workers.add(w);
            listener.restoreStarted(slot, w.generation());
            p.namespace().onExit().thenRun(() -> events.add(new Event.WorkerExited(p)));
            return w;
        } catch (IOException e) {
            halt = new ThawException("cannot start a restore: " + e.getMessage() + ": run 'thaw doctor'");
            beginStop("halting", false);
            return null;
        }
    }

    private long maxRequestsWithJitter() {
        if (settings.maxRequests() <= 0) {
            return 0;
        }
        int jitter = settings.maxRequestsJitter() > 0 ? ThreadLocalRandom.current().nextInt(settings.maxRequestsJitter() + 1) : 0;
        return (long) settings.maxRequests() + jitter;
    }

    /** TERM: the worker stops accepting, finishes its requests and exits; KILL after --graceful-timeout. */
    private void retire(Worker w, String reason) {
        if (w.state == WorkerState.DRAINING) {
            return;
        }
        w.state = WorkerState.DRAINING;
        w.retireReason = reason;
        w.drainDeadlineNanos = System.nanoTime() + settings.gracefulTimeout().toNanos();
        log(w.describe() + " stopping (" + reason + ")");
        w.process.terminate();
    }

    private void beginStop(String why, boolean graceful) {
        rollPending.clear();
        if (state == State.STOPPING && graceful) {
            return;
        }
        state = State.STOPPING;
        log(why + ": stopping " + workers.all().size() + " workers"
                + (graceful ? " (graceful timeout " + settings.gracefulTimeout().toSeconds() + " s)" : " now"));
        for (Worker w : workers.all()) {
            if (graceful) {
                retire(w, "shutdown");
            } else {
                w.state = WorkerState.DRAINING;
                w.retireReason = "shutdown";
                w.process.kill();
            }
        }
    }

    private void beginRoll(String why) {
        rollPending.clear();
        rollPending.addAll(workers.inState(WorkerState.READY));
        rollLimit = settings.maxUnavailable();
        rollReason = PoolListener.Reason.RELOAD;
        log(why + ": rolling restart of " + rollPending.size() + " workers, " + rollLimit + " at a time");
    }

    // ---- refork -------------------------------------------------------------------------------

    private void startRefork(Worker w) {
        refork = new Refork(w, images.manifest().generation() + 1, w.requests);
        w.state = WorkerState.REFORKING;
        w.reforkStartedNanos = System.nanoTime();
        listener.reforkStarted(w.ref(), refork.generation);
        log(w.describe() + " served " + w.requests + " requests: reforking it into generation " + refork.generation
                + " (beforeCheckpoint, then criu dump --leave-running; the other workers serve meanwhile)");
        if (!w.peer.send(Message.of(MessageType.CHECKPOINT))) {
            w.state = WorkerState.READY;
            reforkFailed(refork, "its control connection is gone");
            refork = null;
        }
    }

    /** The dump ended: switch to the new generation and roll the older workers onto it, or keep serving the old one. */
    private void finishRefork(Event.ReforkDumped d) {
        Refork r = d.refork();
        if (r != refork) {
            return;
        }
        refork = null;
        boolean moldWaits = workers.all().contains(r.mold) && r.mold.state == WorkerState.REFORKING;
        long serving = images.manifest().generation();
        if (d.manifest() == null) {
            reforkFailed(r, d.error());
            resume(r.mold, serving, moldWaits);
            return;
        }
        ImageManifest next;
        try {
            next = images.switchToNew();
        } catch (IOException | RuntimeException e) {
            reforkFailed(r, "the new image is unusable: " + e.getMessage());
            resume(r.mold, serving, moldWaits);
            return;
        }
        reforksDone++;
        reforkFailures = 0;
        listener.imageChanged(next);
        listener.reforkFinished(true);
        log("refork: generation " + next.generation() + " made from " + next.madeFrom() + " ("
                + dev.thaw.engine.Bytes.human(next.imageBytes()) + ", dumped in " + next.dumpMillis() + " ms"
                + (next.memoryAtDump() == null ? "" : "; " + next.memoryAtDump().describe(next.imageBytes())) + ")");
        if (moldWaits) {
            r.mold.process.nowServes(next.generation());
        }
        resume(r.mold, next.generation(), moldWaits);
        if (state == State.RUNNING) {
            rollPending.clear();
            workers.inState(WorkerState.READY).stream().filter(w -> w.generation() < next.generation()).forEach(rollPending::add);
            rollLimit = settings.reforkMaxUnavailable();
            rollReason = PoolListener.Reason.REFORK;
            log("refork: rolling " + rollPending.size() + " workers of older generations onto generation " + next.generation()
                    + ", " + rollLimit + " at a time");
        }
    }

    /** The mold reads its identity from stdin, as if just restored, and runs afterRestore in place. */
    private void resume(Worker mold, long generation, boolean moldWaits) {
        if (!moldWaits) {
            return;
        }
        WorkerIdentity identity = new WorkerIdentity(mold.slot(), generation, Instant.now(), controlSocket, settings.heartbeat(),
                settings.env(), Map.of());
        try {
            mold.process.writeLine(identity.toMessage().encode());
        } catch (IOException e) {
            log(mold.describe() + " cannot be told to resume (" + e.getMessage() + "): killing it");
            mold.process.kill();
        }
    }

    private void reforkFailed(Refork r, String why) {
        listener.reforkFinished(false);
        reforkFailures++;
        long delay = Math.min(TimeUnit.SECONDS.toNanos(5) << Math.min(reforkFailures - 1, 10), REFORK_RETRY_MAX_NANOS);
        reforkNotBefore = System.nanoTime() + delay;
        log("refork of " + r.mold.describe() + " failed: " + why + ": generation " + images.manifest().generation()
                + " keeps serving; next refork attempt in " + TimeUnit.NANOSECONDS.toSeconds(delay) + " s at the earliest");
    }

    private long reforkDeadlineNanos() {
        return settings.gracefulTimeout().toNanos() + settings.readyTimeout().toNanos();
    }

    /** HUP and 'thaw reload': switch to a newer image if one was written, then roll every worker. */
    private void reload(String why) {
        if (images.changed()) {
            try {
                ImageManifest next = images.switchToNew();
                listener.imageChanged(next);
                log(why + ": new image in " + images.directory() + " (generation " + next.generation() + ", made "
                        + next.createdAt() + "): workers are rolled onto it");
            } catch (IOException | RuntimeException e) {
                log(why + ": the new image in " + images.directory() + " is unusable (" + e.getMessage()
                        + "): workers keep serving generation " + images.manifest().generation() + "; no rolling restart");
                return;
            }
        }
        beginRoll(why);
    }

    /** USR2: make the next image from the recorded command line; the roll follows when it succeeds. */
    private void startNextImage() {
        if (nextImage != null) {
            log("received SIGUSR2: a new image is already being made (pid " + nextImage.process().pid() + ")");
            return;
        }
        try {
            nextImage = NextImage.start(thawCommand, images.directory(), images.manifest(), this::print);
            listener.checkpointStarted();
            log("received SIGUSR2: making generation " + (images.manifest().generation() + 1) + " from the recorded command line (pid "
                    + nextImage.process().pid() + "); workers keep serving generation " + images.manifest().generation());
            Process p = nextImage.process();
            p.onExit().thenRun(() -> events.add(new Event.NextImageDone(p.exitValue())));
        } catch (IOException | IllegalStateException e) {
            log("received SIGUSR2: cannot make a new image: " + e.getMessage()
                    + ": make one with 'thaw checkpoint --force' and send HUP");
        }
    }

    private void finishNextImage(int exitCode) {
        String error = nextImage.lastError();
        nextImage = null;
        listener.checkpointFinished(exitCode == 0);
        if (state != State.RUNNING) {
            return;
        }
        if (exitCode != 0) {
            log("the new image failed (exit " + exitCode + (error.isEmpty() ? "" : ": " + error) + "): workers keep serving generation "
                    + images.manifest().generation() + " and the old image stays in place");
            return;
        }
        reload("new image made");
    }

    private String scaleTo(int n, String why) {
        if (n < 1 || n > 1024) {
            log(why + ": keeping " + targetWorkers + " workers (must stay between 1 and 1024)");
            return "workers must stay between 1 and 1024";
        }
        log(why + ": " + targetWorkers + " -> " + n + " workers");
        targetWorkers = n;
        announcedAllReady = workers.count(WorkerState.READY) >= n;
        return "scaling to " + n + " workers";
    }

    private void reopenLogs() {
        log("received SIGUSR1: asking " + workers.inState(WorkerState.READY).size() + " workers to reopen their logs");
        for (Worker w : workers.inState(WorkerState.READY)) {
            if (w.peer != null) {
                w.peer.send(Message.of(MessageType.REOPEN_LOGS));
            }
        }
    }

    // ---- thaw status / scale / reload ------------------------------------------------------------

    private void answerCli(Peer peer, Message m) {
        switch (m.type()) {
            case STATUS -> peer.send(Message.of(MessageType.REPLY, "ok", "true", "json", status().toJson()));
            case SCALE -> {
                int n = m.get("workers").map(Integer::parseInt).orElse(targetWorkers);
                peer.send(Message.of(MessageType.REPLY, "ok", Boolean.toString(n >= 1 && n <= 1024), "message", scaleTo(n, "thaw scale")));
            }
            case RELOAD -> {
                reload("thaw reload");
                peer.send(Message.of(MessageType.REPLY, "ok", "true", "message", "rolling restart of " + rollPending.size() + " workers"));
            }
            default -> { }
        }
    }

    PoolStatus status() {
        return PoolStatus.of(images.manifest().generation(), images.manifest().madeFrom(), reforksDone, targetWorkers, !rollPending.isEmpty(), workers.all(), restarts);
    }

    private void log(String line) {
        print("thaw: " + line);
    }

    private void print(String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    private long memoryMiB(Worker w) {
        return ("rss".equals(settings.memoryMetric()) ? w.memory.rss() : w.memory.pss()) >> 20;
    }
}
