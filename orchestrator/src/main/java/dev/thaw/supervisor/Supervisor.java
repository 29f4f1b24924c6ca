package dev.thaw.supervisor;

import dev.thaw.control.ControlEvent;
import dev.thaw.engine.CriuLog;
import dev.thaw.engine.Restorer;
import dev.thaw.engine.ThawException;
import dev.thaw.engine.WorkerProcess;
import dev.thaw.lifecycle.WorkerIdentity;
import dev.thaw.lifecycle.control.Message;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The arbiter of {@code thaw run}: keeps N restored workers serving. One loop, read top to bottom:
 * wait up to a second for an event, handle it, kill workers that never became ready, restore the
 * missing ones. Signals and process exits only post events; all decisions are made here.
 */
public final class Supervisor {
    private enum State { RUNNING, STOPPING }

    private final Restorer restorer;
    private final RunSettings settings;
    private final Path controlSocket;
    private final PrintStream out;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Workers workers = new Workers();
    private final Map<Integer, Integer> bootFailures = new HashMap<>();
    /** Backoff after a boot failure: 0.5 s, 1 s, 2 s... so a broken image never spins in a tight loop. */
    private final Map<Integer, Long> retryNotBefore = new HashMap<>();
    private State state = State.RUNNING;
    private boolean announcedAllReady;
    private long stopDeadlineNanos;
    private ThawException halt;

    public Supervisor(Restorer restorer, RunSettings settings, Path controlSocket, PrintStream out) {
        this.restorer = restorer;
        this.settings = settings;
        this.controlSocket = controlSocket;
        this.out = out;
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
        log("restoring " + settings.workers() + " workers from generation " + restorer.manifest().generation());
        manageWorkers();
        while (state == State.RUNNING || !workers.isEmpty()) {
            Event e = events.poll(1, TimeUnit.SECONDS);
            if (e != null) {
                handle(e);
            }
            killWorkersNotReadyInTime();
            if (state == State.RUNNING) {
                manageWorkers();
            } else {
                killWorkersPastGrace();
            }
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
        }
    }

    private void handleControl(ControlEvent e) {
        if (!(e instanceof ControlEvent.Received r) || r.peer().isLeader()) {
            return;
        }
        workers.bySlot(r.peer().workerId()).ifPresent(w -> {
            Message m = r.message();
            switch (m.type()) {
                case HELLO -> w.peer = r.peer();
                case READY -> markReady(w);
                case HEARTBEAT -> w.lastHeartbeat = Instant.now();
                case RESTORE_FAILED -> {
                    w.restoreError = m.get("error").orElse("no reason given").replace("\n", " ");
                    log(w.describe() + " afterRestore failed: " + w.restoreError);
                }
                default -> { }
            }
        });
    }

    private void markReady(Worker w) {
        w.state = WorkerState.READY;
        bootFailures.remove(w.slot());
        log(w.describe() + " ready in " + w.process.millisSinceStart() + " ms");
        if (!announcedAllReady && workers.count(WorkerState.READY) == settings.workers()) {
            announcedAllReady = true;
            log("all " + settings.workers() + " workers ready");
        }
    }

    private void reapWorker(WorkerProcess process) {
        workers.removeIfCurrent(process).ifPresent(w -> {
            int code = process.namespace().exitValue();
            log(w.describe() + " exited with code " + code + (w.state == WorkerState.STOPPING ? "" : " unexpectedly"));
            if (w.state == WorkerState.RESTORING && state == State.RUNNING) {
                countBootFailure(w, code);
            }
        });
    }

    private void countBootFailure(Worker w, int code) {
        int failures = bootFailures.merge(w.slot(), 1, Integer::sum);
        String why = w.restoreError != null ? w.restoreError
                : CriuLog.firstError(w.process.restoreLog()).map(s -> "criu: " + s).orElse("exited with code " + code + " before it was ready");
        log(w.describe() + " failed to boot (" + failures + "/" + settings.maxBootFailures() + "): " + why);
        retryNotBefore.put(w.slot(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500L << Math.min(failures - 1, 6)));
        if (failures >= settings.maxBootFailures()) {
            halt = new ThawException(ThawException.EXIT_WORKER_BOOT_ERROR, "worker " + w.slot() + " failed to boot "
                    + failures + " times in a row: " + why + ": fix the cause (see the worker's output above), or make a fresh image with 'thaw checkpoint --force'");
            beginStop("halting");
        }
    }

    private void handleSignal(String name) {
        switch (name) {
            case "TERM", "INT", "QUIT" -> beginStop("received SIG" + name);
            default -> log("ignoring SIG" + name);
        }
    }

    private void beginStop(String why) {
        if (state == State.STOPPING) {
            return;
        }
        state = State.STOPPING;
        stopDeadlineNanos = System.nanoTime() + settings.gracefulTimeout().toNanos();
        log(why + ": stopping " + workers.all().size() + " workers (graceful timeout " + settings.gracefulTimeout().toSeconds() + " s)");
        for (Worker w : workers.all()) {
            w.state = WorkerState.STOPPING;
            w.process.terminate();
        }
    }

    private void killWorkersPastGrace() {
        if (System.nanoTime() < stopDeadlineNanos) {
            return;
        }
        for (Worker w : workers.all()) {
            if (w.process.isAlive()) {
                log(w.describe() + " did not stop within the graceful timeout: killing");
                w.process.kill();
            }
        }
    }

    private void killWorkersNotReadyInTime() {
        for (Worker w : workers.all()) {
            if (w.state == WorkerState.RESTORING && w.process.millisSinceStart() > settings.readyTimeout().toMillis()) {
                log(w.describe() + " not ready after " + settings.readyTimeout().toSeconds() + " s: killing");
                w.process.kill();
            }
        }
    }

    /** Restores a worker into every empty slot. */
    private void manageWorkers() {
        for (int slot = 0; slot < settings.workers() && state == State.RUNNING; slot++) {
            if (!workers.has(slot) && System.nanoTime() >= retryNotBefore.getOrDefault(slot, 0L)) {
                restoreWorker(slot);
            }
        }
    }

    private void restoreWorker(int slot) {
        WorkerIdentity identity = new WorkerIdentity(slot, restorer.manifest().generation(), Instant.now(),
                controlSocket, settings.heartbeat(), settings.env(), Map.of());
        try {
            WorkerProcess p = restorer.restore(identity, this::print);
            workers.add(new Worker(p));
            p.namespace().onExit().thenRun(() -> events.add(new Event.WorkerExited(p)));
        } catch (IOException e) {
            halt = new ThawException("cannot start a restore: " + e.getMessage() + ": run 'thaw doctor'");
            beginStop("halting");
        }
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
}
