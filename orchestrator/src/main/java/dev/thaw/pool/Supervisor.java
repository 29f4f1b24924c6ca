package dev.thaw.pool;

import dev.thaw.ThawException;
import dev.thaw.control.ControlEvent;
import dev.thaw.control.Peer;
import dev.thaw.criu.WorkerExit;
import dev.thaw.image.ImageManifest;
import dev.thaw.lifecycle.WorkerIdentity;
import dev.thaw.lifecycle.control.ControlMessage.Role;
import dev.thaw.lifecycle.control.ControlMessage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
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
 *
 * <p>It reaches processes and time only through its ports: an {@link ImageStore} restores workers
 * and dumps reforks, a {@link NextImageLauncher} makes USR2's image, a {@link Clock} tells the time.
 * Its unit tests drive it with fakes of all three, one {@link #step} at a time.
 */
public final class Supervisor {
    private enum State { RUNNING, STOPPING }

    private static final long MEMORY_SAMPLE_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** thaw scale and TTIN/TTOU keep the pool within these bounds. */
    static final int MAX_WORKERS = 1024;

    private final ImageStore images;
    private final NextImageLauncher nextImages;
    private final Clock clock;
    private final RunSettings settings;
    private final Path controlSocket;
    private final PrintStream out;
    private final PoolListener listener;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Workers workers = new Workers();
    private final Reforker reforker;
    /** Workers a rolling restart still has to replace, at most rollLimit at a time. */
    private final Set<Worker> rollPending = new LinkedHashSet<>();
    private int rollLimit;
    /** Why the roll in progress replaces workers, for metrics: a reload, or a refork's new generation. */
    private PoolListener.Reason rollReason = PoolListener.Reason.RELOAD;
    private int targetWorkers;
    private State state = State.RUNNING;
    private boolean announcedAllReady;
    private long nextMemorySampleNanos;
    /** The line about an app whose requests nobody counts was said (it is said once). */
    private boolean saidNoRequestsCounted;
    /** The USR2 checkpoint in progress, if any. */
    private NextImageLauncher.Running nextImage;
    /** A new image being verified for HUP or reload, off this thread; the switch and the roll wait for it. */
    private ImageVerification verifying;
    /** How long the loop's end waits for a verification under way, to let go of what it pinned. */
    private static final Duration ABANDON_WAIT = Duration.ofSeconds(10);
    private ThawException halt;

    /**
     * @param images restores workers, switches images and dumps reforks
     * @param nextImages makes USR2's new image
     * @param listener told about restores, replacements, heartbeats, checkpoints and the pool (metrics)
     */
    public Supervisor(ImageStore images, NextImageLauncher nextImages, Clock clock, RunSettings settings, Path controlSocket,
                      PrintStream out, PoolListener listener) {
        this.images = images;
        this.nextImages = nextImages;
        this.clock = clock;
        this.settings = settings;
        this.controlSocket = controlSocket;
        this.out = out;
        this.listener = listener;
        this.targetWorkers = settings.workers();
        this.reforker = new Reforker(settings, images, clock, listener, controlSocket, this::log, events::add);
    }

    /** USR2's launcher in production: this orchestrator's own command line runs 'thaw checkpoint --force'. */
    public static NextImageLauncher checkpointWith(List<String> thawCommand) {
        return NextImage.launcher(thawCommand);
    }

    /** Where the control server delivers its events (from its connections' threads). */
    public void post(ControlEvent e) {
        events.add(new Event.Control(e));
    }

    public void signal(String name) {
        events.add(new Event.SignalReceived(name));
    }

    /** Runs until stopped by a signal (returns 0) or halted by workers that cannot boot (throws). */
    public int run() throws InterruptedException {
        start();
        while (!finished()) {
            step(events.poll(1, TimeUnit.SECONDS));
        }
        return finish();
    }

    /** Restores the first workers. */
    void start() {
        log("restoring " + targetWorkers + " workers from generation " + images.manifest().generation());
        if (!settings.reforkAfter().isEmpty()) {
            log("refork after " + settings.reforkAfter() + " requests" + (targetWorkers < 2
                    ? " once 2 workers serve (the reforked worker stops serving during its dump; --workers 2 or TTIN)" : ""));
        }
        manageWorkers();
    }

    /** One turn of the loop: the event (null when a second passed without one), then the steps. */
    void step(Event e) {
        if (e != null) {
            handle(e);
        }
        if (state == State.RUNNING) {
            sampleMemory();
            killStuckWorkers();
            recycleWorkers();
            reforker.maybeStart(workers.inState(WorkerState.READY),
                    nextImage != null || verifying != null || !rollPending.isEmpty() || workers.count(WorkerState.RESTORING) > 0);
            rollWorkers();
            manageWorkers();
        }
        killWorkersPastDeadline();
        releaseRetiredImages();
        listener.poolChanged(status());
    }

    /** Every event posted so far, each followed by the steps; for tests, which never wait. */
    void stepPending() {
        Event e;
        do {
            e = events.poll();
            step(e);
        } while (e != null);
    }

    /** Waits up to {@code millis} for one event, then steps: a turn of {@link #run()}'s loop, for tests. */
    public void stepWaiting(long millis) throws InterruptedException {
        step(events.poll(millis, TimeUnit.MILLISECONDS));
    }

    boolean finished() {
        return state == State.STOPPING && workers.isEmpty();
    }

    int finish() {
        if (nextImage != null) {
            nextImage.kill();
        }
        letGoOfUnservedImages();
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
            case Event.ReforkDumped d -> reforker.dumped(d, workers.all().contains(d.refork().mold)).ifPresent(this::rollOnto);
            case Event.ImageVerified v -> switchToVerified(v);
        }
    }

    /** The loop ends: images verified (or being verified) that will never serve are let go of, not left pinned. */
    private void letGoOfUnservedImages() {
        if (verifying != null) {
            verifying.abandon(images, ABANDON_WAIT);
            verifying = null;
        }
        for (Event e; (e = events.poll()) != null; ) {
            if (e instanceof Event.ReforkDumped d && d.image() != null) {
                images.discard(d.image());
            }
        }
    }

    // ---- events -------------------------------------------------------------------------------

    private void handleControl(ControlEvent e) {
        switch (e) {
            case ControlEvent.Closed c -> reforker.connectionClosed(c.peer());
            // A peer's bad line costs it its connection (the server closed it), never the supervisor.
            case ControlEvent.Rejected r -> log("closed the control connection of " + r.peer().describe() + ": " + r.why());
            case ControlEvent.Received r when r.peer().is(Role.CLI) -> fromCli(r.peer(), r.message());
            case ControlEvent.Received r when r.peer().is(Role.LEADER) -> refuse(r.peer(), "a leader has nothing to say to thaw run");
            case ControlEvent.Received r when r.message() instanceof ControlMessage.Hello -> acceptWorker(r.peer());
            case ControlEvent.Received r -> workers.byPeer(r.peer().connectionId()).ifPresent(w -> fromWorker(w, r.message()));
        }
    }

    /**
     * Who may steer the pool is decided by the kernel's word, not the peer's: root or thaw's own user,
     * from a process outside every worker. A compromised worker that connects as the CLI is refused.
     */
    private void fromCli(Peer peer, ControlMessage m) {
        long pid = peer.credentials().pid();
        if (!peer.credentials().isRootOrSelf()) {
            refuse(peer, "uid " + peer.credentials().uid() + " may not steer this pool (only root or thaw's user)");
        } else if (workers.all().stream().anyMatch(w -> w.process.contains(pid))) {
            refuse(peer, "it runs inside a worker, and a worker may not steer the pool");
        } else if (!peer.credentials().sharesPidNamespaceWithThaw()) {
            // Fails closed: a process that is gone, or in another PID namespace (a worker's child that
            // handed its socket over and exited), is not believed to be an operator's thaw CLI.
            refuse(peer, "it is gone, or runs in another PID namespace than thaw");
        } else if (!(m instanceof ControlMessage.Hello)) {
            answerCli(peer, m);
        }
    }

    private void refuse(Peer peer, String why) {
        log("refused the control connection of " + peer.describe() + ": " + why);
        peer.close();
    }

    private void fromWorker(Worker w, ControlMessage m) {
        switch (m) {
            case ControlMessage.Ready ready -> {
                w.afterRestoreMillis = ready.afterRestoreMillis();
                sayWhenNoRequestsCounted(ready);
                markReady(w);
            }
            case ControlMessage.Heartbeat beat -> recordHeartbeat(w, beat);
            case ControlMessage.ReadyToDump ready -> reforker.readyToDump(w, ImageManifest.MemoryAtDump.of(ready.memory()));
            case ControlMessage.CheckpointFailed failed -> reforker.checkpointFailed(w, oneLine(failed.error()));
            case ControlMessage.RestoreFailed failed -> {
                w.restoreError = oneLine(failed.error());
                log(w.describe() + " afterRestore failed: " + w.restoreError);
            }
            default -> refuse(w.peer, "a worker may not send " + m.getClass().getSimpleName().toUpperCase());
        }
    }

    /**
     * Once per run: an app whose server thaw's agent does not know, and that does not count its requests
     * itself, still serves, but the settings that act on requests cannot.
     */
    private void sayWhenNoRequestsCounted(ControlMessage.Ready ready) {
        if (ControlMessage.Ready.COUNTED_BY_NONE.equals(ready.requestsCountedBy()) && !saidNoRequestsCounted) {
            saidNoRequestsCounted = true;
            log("no server recognized in the app, so thaw cannot count its requests: --max-requests and --refork-after never"
                    + " trigger, and --timeout replaces a worker on missed heartbeats only, not for a hung request; the pool serves"
                    + " on (docs/resources.md says which servers are recognized, and how another server reports its requests)");
        }
    }

    private static String oneLine(String s) {
        return s.replace("\n", " ");
    }

    /**
     * A worker's HELLO is believed only for the process the kernel says connected: it must be the JVM
     * of a worker restoring (or reforking) in the slot it claims. That is how thaw learns the JVM's host
     * PID; anyone else is refused and disconnected.
     */
    private void acceptWorker(Peer peer) {
        String refused = "no worker of that slot is waiting to connect";
        for (Worker w : workers.awaitingHello(peer.workerId())) {
            Optional<String> why = w.process.adopt(peer.credentials().pid());
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

    private void recordHeartbeat(Worker w, ControlMessage.Heartbeat beat) {
        w.lastHeartbeatNanos = clock.nanoTime();
        w.requests = beat.requests();
        w.inFlight = beat.inFlight();
        w.oldestRequestMillis = beat.oldestMillis();
        listener.heartbeat(w.ref(), beat);
    }

    private void markReady(Worker w) {
        if (w.is(WorkerState.REFORKING)) {
            w.resumedAfterDump(clock.nanoTime());
            log(w.describe() + " serves again, " + TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - w.reforkStartedNanos)
                    + " ms after its refork began");
            return;
        }
        if (!w.is(WorkerState.RESTORING)) {
            return; // a READY again, or one from a worker already told to stop: nothing changes
        }
        w.ready(clock.nanoTime());
        workers.booted(w.slot());
        String replacing = w.replaces == null ? "" : " (replacing pid " + w.replaces.process.hostPid() + ")";
        log(w.describe() + " ready in " + w.readyMillis + " ms" + replacing);
        listener.restoreFinished(w.ref(), Duration.ofMillis(w.readyMillis));
        if (w.replaces != null) {
            retire(w.replaces, w.replaces.retirement);
        }
        if (!announcedAllReady && workers.count(WorkerState.READY) >= targetWorkers) {
            announcedAllReady = true;
            log("all " + targetWorkers + " workers ready");
        }
        // Bookkeeping after the worker counts as ready: reading smaps_rollup of a JVM that is faulting its
        // pages in took up to 40 ms under load, and the ready line and the retirement need not wait for it.
        w.criuStats = w.process.criuStats();
        w.memory = w.process.memory(); // thaw status shows it at once, not at the next sample
    }

    private void reapWorker(WorkerHandle process) {
        workers.remove(process).ifPresent(w -> {
            listener.workerGone(w.ref());
            rollPending.remove(w);
            if (w.replacedBy != null) {
                w.replacedBy.replaces = null; // its replacement now simply fills the slot
            }
            if (w.replaces != null) {
                w.replaces.replacedBy = null; // the old worker keeps serving and is replaced again later
                if (w.replaces.isRolled() && w.replaces.is(WorkerState.READY)) {
                    rollPending.add(w.replaces);
                }
            }
            reforker.workerExited(w);
            WorkerExit exit = w.process.exit();
            listener.workerExited(w.ref(), exit, w.stoppedByThaw());
            String how = ExitReport.describe(w.process);
            switch (w.state()) {
                case DRAINING -> log(w.describe() + " exited (" + w.retireReason() + "), " + how);
                case REFORKING -> {
                    workers.restarted(w.slot());
                    log(w.describe() + " exited during its refork, " + how
                            + (state == State.RUNNING ? ": restoring a replacement" : ""));
                }
                case READY -> {
                    workers.restarted(w.slot());
                    log(w.describe() + " exited unexpectedly, " + how
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
        int failures = workers.bootFailed(w.slot(), clock.nanoTime());
        listener.bootFailed(w.ref());
        String why = w.restoreError != null ? w.restoreError
                : w.process.criuError().map(s -> "criu: " + s).orElse("exited before it was ready, " + ExitReport.describe(w.process));
        log(w.describe() + " failed to boot (" + failures + "/" + settings.maxBootFailures() + "): " + why);
        if (failures < settings.maxBootFailures() || rollBack(w, why)) {
            return;
        }
        halt = new ThawException(ThawException.EXIT_WORKER_BOOT_ERROR, "worker " + w.slot() + " failed to boot "
                + failures + " times in a row: " + why + BootFailureHint.forReason(why)
                + ": fix the cause (see the worker's output above), or make a fresh image with 'thaw checkpoint --force'");
        beginStop("halting", false);
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
        Optional<Worker> serving = workers.inState(WorkerState.READY).stream()
                .filter(r -> !r.process.image().equals(failed.process.image())).findFirst();
        if (serving.isEmpty() || !images.rollBackTo(serving.get().process.image())) {
            return false;
        }
        rollPending.clear();
        workers.forgetBootFailures();
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
        if (clock.nanoTime() < nextMemorySampleNanos) {
            return;
        }
        nextMemorySampleNanos = clock.nanoTime() + MEMORY_SAMPLE_NANOS;
        for (Worker w : workers.inState(WorkerState.READY)) {
            w.memory = w.process.memory();
        }
    }

    /** A worker that stopped heartbeating, or is stuck in one request past --timeout, is replaced and killed. */
    private void killStuckWorkers() {
        long timeoutMillis = settings.timeout().toMillis();
        for (Worker w : workers.inState(WorkerState.READY)) {
            long silentMillis = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - w.lastHeartbeatNanos);
            String reason = silentMillis > timeoutMillis ? "timeout: no heartbeat for " + silentMillis + " ms"
                    : w.oldestRequestMillis > timeoutMillis ? "timeout: a request has run for " + w.oldestRequestMillis + " ms"
                    : null;
            if (reason != null) {
                log(w.describe() + " " + reason + " (timeout " + timeoutMillis + " ms): replacing it");
                workers.restarted(w.slot());
                listener.workerReplaced(w.ref(), PoolListener.Reason.TIMEOUT);
                Worker.Retirement why = new Worker.Retirement(Worker.Cause.TIMEOUT, reason);
                startReplacement(w, why);
                retire(w, why); // a stuck worker serves nobody: it need not wait for its replacement
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
                startReplacement(w, new Worker.Retirement(Worker.Cause.RECYCLE, "max-requests: served " + w.requests + " of " + w.maxRequests));
            } else if (settings.maxMemoryMiB() > 0 && memoryMiB(w) > settings.maxMemoryMiB()) {
                listener.workerReplaced(w.ref(), PoolListener.Reason.MEMORY);
                startReplacement(w, new Worker.Retirement(Worker.Cause.RECYCLE, "max-memory: " + settings.memoryMetric() + " "
                        + memoryMiB(w) + " MiB > " + settings.maxMemoryMiB() + " MiB"));
            }
        }
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
            if (!workers.mayRestore(w.slot(), clock.nanoTime())) {
                continue; // its last replacement failed to boot: backoff
            }
            rollPending.remove(w);
            if (w.is(WorkerState.READY) && w.replacedBy == null) {
                listener.workerReplaced(w.ref(), rollReason);
                startReplacement(w, new Worker.Retirement(Worker.Cause.ROLL, "rolling restart"));
                inProgress++;
            }
        }
        if (rollPending.isEmpty()) {
            log("rolling restart: every worker has a replacement on the way");
        }
    }

    /** Images the pool switched away from are deleted once no worker restored from them is left. */
    private void releaseRetiredImages() {
        images.releaseRetired(workers.all().stream().map(w -> w.process.image()).toList());
    }

    /** Restores a worker into every empty slot below the target; retires workers of slots above it. */
    private void manageWorkers() {
        for (int slot = 0; slot < targetWorkers && state == State.RUNNING; slot++) {
            if (!workers.slotFilled(slot) && workers.mayRestore(slot, clock.nanoTime())) {
                restoreWorker(slot, null);
            }
        }
        for (Worker w : workers.all()) {
            if (w.slot() >= targetWorkers && w.isActive()) {
                listener.workerReplaced(w.ref(), PoolListener.Reason.SCALE);
                retire(w, new Worker.Retirement(Worker.Cause.SCALE_DOWN, "scaled down to " + targetWorkers));
            }
        }
    }

    /** Draining workers past --graceful-timeout, restores past --ready-timeout and stalled reforks are killed. */
    private void killWorkersPastDeadline() {
        long now = clock.nanoTime();
        for (Worker w : workers.all()) {
            if (w.is(WorkerState.DRAINING) && now > w.drainDeadlineNanos && w.process.isAlive()) {
                log(w.describe() + " still running " + settings.gracefulTimeout().toSeconds() + " s after TERM: killing");
                w.drainDeadlineNanos = Long.MAX_VALUE;
                w.kill();
            } else if (w.is(WorkerState.RESTORING) && now - w.startedNanos > settings.readyTimeout().toNanos()) {
                log(w.describe() + " not ready after " + settings.readyTimeout().toSeconds() + " s: killing");
                w.kill();
            } else if (w.is(WorkerState.REFORKING) && now - w.reforkStartedNanos > reforker.deadlineNanos()) {
                log(w.describe() + " not serving again " + TimeUnit.NANOSECONDS.toSeconds(reforker.deadlineNanos())
                        + " s after its refork began: killing");
                w.reforkStartedNanos = Long.MAX_VALUE / 2;
                w.kill();
            }
        }
    }

    // ---- actions ------------------------------------------------------------------------------

    private void startReplacement(Worker old, Worker.Retirement why) {
        old.retirement = why;
        Worker replacement = restoreWorker(old.slot(), old);
        if (replacement != null) {
            old.replacedBy = replacement;
        }
    }

    private Worker restoreWorker(int slot, Worker replaces) {
        if (state != State.RUNNING) {
            return null; // halted or stopping: nothing new starts
        }
        WorkerIdentity identity = new WorkerIdentity(slot, images.manifest().generation(), clock.now(),
                controlSocket, settings.heartbeat(), settings.env(), settings.properties());
        try {
            long started = clock.nanoTime();
            WorkerHandle p = images.restore(identity, this::print);
            Worker w = new Worker(p, clock.now(), started, maxRequestsWithJitter());
            w.replaces = replaces;
            workers.add(w);
            listener.restoreStarted(slot, w.generation());
            p.onExit().thenRun(() -> events.add(new Event.WorkerExited(p)));
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
    private void retire(Worker w, Worker.Retirement why) {
        if (w.is(WorkerState.DRAINING)) {
            return;
        }
        boolean dumping = reforker.isDumping(w);
        w.drain(why, clock.nanoTime() + settings.gracefulTimeout().toNanos());
        log(w.describe() + " stopping (" + why.reason() + ")" + (dumping ? ": killed, its refork's dump is under way" : ""));
        if (dumping) {
            w.kill(); // the dump fails; a TERM would have put a JVM in mid-shutdown into the next image
        } else {
            w.terminate();
        }
    }

    private void beginStop(String why, boolean graceful) {
        rollPending.clear();
        if (state == State.STOPPING && graceful) {
            return;
        }
        state = State.STOPPING;
        log(why + ": stopping " + workers.all().size() + " workers"
                + (graceful ? " (graceful timeout " + settings.gracefulTimeout().toSeconds() + " s)" : " now"));
        Worker.Retirement shutdown = new Worker.Retirement(Worker.Cause.SHUTDOWN, "shutdown");
        for (Worker w : workers.all()) {
            if (graceful) {
                retire(w, shutdown);
            } else {
                if (!w.is(WorkerState.DRAINING)) {
                    w.drain(shutdown, clock.nanoTime());
                }
                w.kill();
            }
        }
    }

    /** HUP, 'thaw reload' or a new image made by USR2: every serving worker is replaced, rollLimit at a time. */
    private void beginRoll(String why) {
        rollPending.clear();
        rollPending.addAll(workers.inState(WorkerState.READY));
        rollLimit = settings.maxUnavailable();
        rollReason = PoolListener.Reason.RELOAD;
        log(why + ": rolling restart of " + rollPending.size() + " workers, " + rollLimit + " at a time");
    }

    /** A refork made {@code next}: the workers of older generations are rolled onto it. */
    private void rollOnto(ImageManifest next) {
        if (state != State.RUNNING) {
            return;
        }
        rollPending.clear();
        workers.inState(WorkerState.READY).stream().filter(w -> w.generation() < next.generation()).forEach(rollPending::add);
        rollLimit = settings.reforkMaxUnavailable();
        rollReason = PoolListener.Reason.REFORK;
        log("refork: rolling " + rollPending.size() + " workers of older generations onto generation " + next.generation()
                + ", " + rollLimit + " at a time");
    }

    /**
     * HUP and 'thaw reload': switch to a newer image if one was written, then roll every worker. A new image is
     * verified first, off this thread ({@link ImageVerification}); {@link #switchToVerified} switches and rolls.
     */
    private void reload(String why) {
        if (state != State.RUNNING) {
            log(why + ": ignored, the pool is stopping");
            return;
        }
        if (verifying != null) {
            verifying.again = true;
            log(why + ": the new image in " + images.directory() + " is still being verified; the rolling restart follows it");
            return;
        }
        if (images.changed()) {
            verifying = ImageVerification.start(images, why, clock.nanoTime(), events::add);
            log(why + ": verifying the new image in " + images.directory() + " (every file's SHA-256); workers keep serving"
                    + " generation " + images.manifest().generation() + " meanwhile");
            return;
        }
        beginRoll(why);
    }

    /** The new image of a HUP or reload was verified (or found unusable): switch to it and roll, or keep serving. */
    private void switchToVerified(Event.ImageVerified v) {
        if (v.verification() != verifying) {
            if (v.image() != null) {
                images.discard(v.image());
            }
            return;
        }
        verifying = null;
        String why = v.verification().why;
        long millis = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - v.verification().startedNanos);
        if (state != State.RUNNING) {
            if (v.image() != null) {
                images.discard(v.image());
            }
            return;
        }
        if (v.image() == null && v.verification().afterSwitch) {
            log(why + ": the newer image in " + images.directory() + " is unusable (" + v.error()
                    + "): workers are rolled onto generation " + images.manifest().generation() + ", verified before it");
            beginRoll(why);
            return;
        }
        if (v.image() == null) {
            log(why + ": the new image in " + images.directory() + " is unusable (" + v.error()
                    + "): workers keep serving generation " + images.manifest().generation() + "; no rolling restart");
            return;
        }
        if (v.image().manifest().equals(images.manifest())) {
            images.discard(v.image()); // a refork made it and the pool switched to it meanwhile
            beginRoll(why);
            return;
        }
        ImageManifest next = images.switchTo(v.image());
        listener.imageChanged(next);
        if (v.verification().again && images.changed()) {
            // Yet another image was written while this one was verified: the roll goes onto that one once it is
            // verified, not onto this one first (replacements restoring from it would be missed by the second roll).
            log(why + ": new image in " + images.directory() + " (generation " + next.generation() + ", verified in " + millis
                    + " ms), and a newer one was written meanwhile: the roll waits for its verification");
            verifying = ImageVerification.start(images, why, clock.nanoTime(), events::add);
            verifying.afterSwitch = true;
            return;
        }
        log(why + ": new image in " + images.directory() + " (generation " + next.generation() + ", made "
                + next.createdAt() + ", verified in " + millis + " ms): workers are rolled onto it");
        beginRoll(why);
    }

    /** USR2: make the next image from the recorded command line; the roll follows when it succeeds. */
    private void startNextImage() {
        if (state != State.RUNNING) {
            log("received SIGUSR2: ignored, the pool is stopping");
            return;
        }
        if (nextImage != null) {
            log("received SIGUSR2: a new image is already being made (pid " + nextImage.pid() + ")");
            return;
        }
        if (reforker.inProgress()) {
            log("received SIGUSR2: a refork is making the next generation now; send USR2 again once it is done");
            return;
        }
        ImageManifest recipe;
        try {
            recipe = images.recipe();
        } catch (RuntimeException e) {
            log("received SIGUSR2: refused, nothing started: " + e.getMessage());
            return;
        }
        try {
            NextImageLauncher.Running started = nextImages.start(recipe, images.directory(), this::print);
            nextImage = started;
            listener.checkpointStarted();
            log("received SIGUSR2: making generation " + (images.manifest().generation() + 1) + " from the recorded command line (pid "
                    + started.pid() + "); workers keep serving generation " + images.manifest().generation());
            started.exitCode().thenAccept(code -> events.add(new Event.NextImageDone(code)));
        } catch (IOException | IllegalStateException e) {
            log("received SIGUSR2: cannot make a new image: " + e.getMessage()
                    + ": make one with 'thaw checkpoint --force' and send HUP");
        }
    }

    private void finishNextImage(int exitCode) {
        if (nextImage == null) {
            return;
        }
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
        if (state != State.RUNNING) {
            log(why + ": ignored, the pool is stopping");
            return "the pool is stopping";
        }
        if (n < 1 || n > MAX_WORKERS) {
            log(why + ": keeping " + targetWorkers + " workers (must stay between 1 and " + MAX_WORKERS + ")");
            return "workers must stay between 1 and " + MAX_WORKERS;
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
                w.peer.send(new ControlMessage.ReopenLogs());
            }
        }
    }

    // ---- thaw status / scale / reload ------------------------------------------------------------

    private void answerCli(Peer peer, ControlMessage m) {
        switch (m) {
            case ControlMessage.Status s -> peer.send(new ControlMessage.Reply(true, "", status().toJson()));
            case ControlMessage.Scale scale -> {
                int n = scale.workers();
                boolean ok = state == State.RUNNING && n >= 1 && n <= MAX_WORKERS;
                peer.send(new ControlMessage.Reply(ok, scaleTo(n, "thaw scale"), null));
            }
            case ControlMessage.Reload r -> {
                reload("thaw reload");
                boolean rolling = !rollPending.isEmpty();
                String message = verifying != null ? "verifying the new image in " + images.directory()
                        + "; the rolling restart follows once it is verified (thaw run's output says when, or why not)"
                        : rolling ? "rolling restart of " + rollPending.size() + " workers"
                        : "nothing to roll: no worker is ready" + (state == State.RUNNING ? "" : " (the pool is stopping)");
                peer.send(new ControlMessage.Reply(rolling || verifying != null, message, null));
            }
            default -> refuse(peer, "the CLI may not send " + m.getClass().getSimpleName().toUpperCase());
        }
    }

    PoolStatus status() {
        return PoolStatus.of(images.manifest().generation(), images.manifest().madeFrom(), reforker.done(), targetWorkers,
                !rollPending.isEmpty(), workers.all(), workers.restarts(), clock.now());
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
