package dev.thaw.pool;

import dev.thaw.criu.CriuLog;
import dev.thaw.criu.RestoreStats;
import dev.thaw.criu.WorkerExit;
import dev.thaw.criu.WorkerProcess;
import dev.thaw.host.OomKills;
import dev.thaw.host.ProcessMemory;
import dev.thaw.host.SupervisorLimits;
import dev.thaw.host.SupervisorPriority;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** A worker JVM restored by CRIU ({@link WorkerProcess}), as the supervisor drives it. */
final class RestoredWorker implements WorkerHandle {
    private final WorkerProcess process;
    private final Path image;
    private final Consumer<String> log;

    /** The OOM kill count of its memory cgroup when it started (or when its JVM, in another cgroup, was adopted). */
    private Optional<OomKills> oomKillsAtStart;

    RestoredWorker(WorkerProcess process, Path image, Consumer<String> log) {
        this.process = process;
        this.image = image;
        this.log = log;
        this.oomKillsAtStart = OomKills.of(process.namespace().pid()); // thaw's child: the cgroup it restores the JVM in
    }

    /** For the refork dump, which needs the namespace and the JVM. */
    WorkerProcess process() {
        return process;
    }

    @Override
    public int slot() {
        return process.workerId();
    }

    @Override
    public long generation() {
        return process.generation();
    }

    @Override
    public void nowServes(long g) {
        process.nowServes(g);
    }

    @Override
    public Path image() {
        return image;
    }

    @Override
    public Optional<String> adopt(long pid) {
        boolean first = process.hostPid() < 0; // a reforked worker reconnecting is adopted again: the same JVM
        Optional<String> refused = process.adopt(pid);
        if (refused.isEmpty()) {
            // CRIU may have put the JVM back into the leader's cgroup: its kills count there from now on.
            OomKills jvm = OomKills.of(pid).orElse(null);
            if (jvm != null && oomKillsAtStart.map(k -> !k.counter().equals(jvm.counter())).orElse(true)) {
                oomKillsAtStart = Optional.of(jvm);
            }
            // CRIU gave the JVM the leader's nice value, oom_score_adj and limits: it gets thaw's, as a forked worker would.
            // Through jvm(), which checks the PID still names the adopted process (its start time), not a reused one.
            process.jvm().filter(adopted -> first).ifPresent(adopted -> {
                SupervisorPriority.giveTo(adopted.pid()).ifPresent(changed -> log.accept(process.describe() + ": " + changed));
                SupervisorLimits.giveTo(adopted.pid()).ifPresent(changed -> log.accept(process.describe() + ": " + changed));
            });
        }
        return refused;
    }

    @Override
    public boolean contains(long pid) {
        return process.contains(pid);
    }

    @Override
    public long hostPid() {
        return process.hostPid();
    }

    @Override
    public void writeLine(String line) throws IOException {
        process.writeLine(line);
    }

    @Override
    public CompletableFuture<?> onExit() {
        return process.namespace().onExit();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public WorkerExit exit() {
        return process.exit();
    }

    @Override
    public boolean killedByThaw() {
        return process.killSent();
    }

    @Override
    public long oomKillsSinceStart() {
        return oomKillsAtStart.flatMap(OomKills::again).map(now -> now.count() - oomKillsAtStart.get().count()).orElse(-1L);
    }

    @Override
    public void terminate() {
        process.terminate();
    }

    @Override
    public void kill() {
        process.kill();
    }

    @Override
    public String describe() {
        return process.describe();
    }

    @Override
    public ProcessMemory memory() {
        return ProcessMemory.of(process.jvm());
    }

    @Override
    public Optional<RestoreStats> criuStats() {
        return RestoreStats.read(process.restoreLog().getParent());
    }

    @Override
    public Optional<String> criuError() {
        return CriuLog.firstError(process.restoreLog());
    }
}
