package dev.thaw.bench;

import dev.thaw.Bytes;
import dev.thaw.ThawException;
import dev.thaw.bench.BenchResult.Memory;
import dev.thaw.bench.BenchResult.Setup;
import dev.thaw.cli.ThawCli;
import dev.thaw.criu.RestoreMode;
import dev.thaw.criu.Restorer;
import dev.thaw.host.ListeningPorts;
import dev.thaw.host.PageMerging;
import dev.thaw.leader.Progress;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The memory of N workers, summed over every process they take: N cold JVMs, N workers restored at
 * once in each restore mode (map when this CRIU can, and copy) with page merging off, N copied
 * workers with page merging once it settled, and one JVM serving N workers' load. Each set has served
 * load before it is measured. Restored workers are also timed: from the first restore's start until
 * all of them are ready.
 */
final class MemoryBench {
    static final int SETTLE_SCANS = 3;
    static final int STABLE_SECONDS = 3;
    private final BenchSettings settings;
    private final Probe probe;
    private final Progress progress;
    private final List<String> notes;
    private final Restorer map;
    private final Restorer copy;

    /** {@code map} is null when this CRIU cannot map: only copied workers are measured then. */
    MemoryBench(BenchSettings settings, Probe probe, Progress progress, List<String> notes, Restorer map, Restorer copy) {
        this.settings = settings;
        this.probe = probe;
        this.progress = progress;
        this.notes = notes;
        this.map = map;
        this.copy = copy;
    }

    /** For {@link #awaitMergingSettled} alone. */
    MemoryBench(BenchSettings settings, Probe probe, Progress progress, List<String> notes) {
        this(settings, probe, progress, notes, null, null);
    }

    List<Memory> run(Jvms jvms) throws IOException, InterruptedException {
        notes.add(sharingNote());
        List<Memory> result = new ArrayList<>(coldJvms(jvms));
        PageMerging.disableForChildren();
        for (int n : settings.workers()) {
            if (map != null) {
                result.add(restoredWorkers(jvms, n, map, false));
            }
            result.add(restoredWorkers(jvms, n, copy, false));
            if (PageMerging.status().kernelSupport()) {
                result.add(restoredWorkers(jvms, n, copy, true));
            }
        }
        if (!PageMerging.status().kernelSupport()) {
            notes.add("The kernel has no KSM: page merging was not measured.");
        }
        result.addAll(oneJvm(jvms));
        return result;
    }

    /**
     * N cold JVMs for each N, grown one count to the next (1, then 1 more, then 2 more...): N cold JVMs
     * running side by side are what is measured, whenever each started, and the cold starts, the
     * slowest part of the whole benchmark, are not repeated for every N.
     */
    private List<Memory> coldJvms(Jvms jvms) throws IOException, InterruptedException {
        List<Memory> result = new ArrayList<>();
        List<Jvms.Running> all = new ArrayList<>();
        for (int n : settings.workers()) {
            while (all.size() < n) {
                all.add(jvms.startCold(coldCommand(), "memory-cold-" + all.size()));
            }
            awaitAllListening(all, n);
            if (!Jvms.awaitQuiet(all, Duration.ofSeconds(settings.readyTimeoutSeconds()))) {
                notes.add(n + " cold JVMs were still busy after " + settings.readyTimeoutSeconds() + " s when their memory was measured.");
            }
            result.add(measure(all, n, Setup.COLD_JVMS, 0, 0, 0, null));
        }
        stopAll(jvms);
        return result;
    }

    /**
     * N cold JVMs on the app's one port, as N restored workers are: with thaw's reuse-port option (its agent and
     * -Dthaw.reuse-port=true) when the bench gives it to the image too, so that an app whose server cannot share its port
     * (Tomcat) runs N times; the app's own command otherwise. The report says which ({@link #sharingNote}).
     */
    List<String> coldCommand() {
        List<String> image = settings.checkpointedCommand();
        if (!image.contains(BenchSettings.REUSE_PORT_PROPERTY + "=true")) {
            return settings.command();
        }
        List<String> c = new ArrayList<>(image);
        c.add(1, "-javaagent:" + ThawCli.agentJar());
        return List.copyOf(c);
    }

    /** How the N cold JVMs shared the app's port, for the report. */
    String sharingNote() {
        return coldCommand().equals(settings.command())
                ? "The N cold JVMs of the memory phase ran the app's command unchanged and shared its port through the app's own"
                        + " SO_REUSEPORT (thaw bench --reuse-port false, or the command sets -Dthaw.reuse-port itself)."
                : "The N cold JVMs of the memory phase shared the app's port through thaw's reuse-port option, as the restored workers"
                        + " did (thaw bench --reuse-port, its default): each ran with -javaagent:thaw-agent.jar -Dthaw.reuse-port=true,"
                        + " whose classes and JDK hooks their PSS includes. One JVM serving N workers' load ran the command unchanged.";
    }

    /**
     * Every one of the JVMs listens on the port itself (the probe answering only says one does), then
     * answers the probe: bounded by --ready-timeout.
     */
    private void awaitAllListening(List<Jvms.Running> all, int n) throws InterruptedException {
        long started = all.get(all.size() - 1).startedNanos();
        probe.awaitFirst200(all.get(0).startedNanos(), () -> all.stream().allMatch(Jvms.Running::isAlive), n + " cold JVMs");
        int port = HttpConnection.port(settings.probe());
        long deadline = started + TimeUnit.SECONDS.toNanos(settings.readyTimeoutSeconds());
        while (!all.stream().allMatch(j -> ListeningPorts.holds(j.jvmPid(), Set.of(port)).orElse(false))) {
            if (System.nanoTime() > deadline || !all.stream().allMatch(Jvms.Running::isAlive)) {
                throw new ThawException("not all of " + n + " cold JVMs listen on port " + port + " within "
                        + settings.readyTimeoutSeconds() + " s (or one exited): see memory-cold-*.log in " + settings.workDir()
                        + (coldCommand().equals(settings.command()) ? "; an app that cannot share its port needs thaw bench --reuse-port true" : ""));
            }
            Thread.sleep(50);
        }
    }

    /**
     * N workers restored at once from {@code from}, timed until all are ready, then measured: after {@link
     * BenchSettings#MEMORY_LOAD_MILLIS} of load without page merging (checked: no worker process may be mergeable), or once
     * merging settled.
     */
    private Memory restoredWorkers(Jvms jvms, int n, Restorer from, boolean merge) throws IOException, InterruptedException {
        Setup setup = merge ? Setup.RESTORED_KSM : from.mode() == RestoreMode.MAP ? Setup.RESTORED_MAP : Setup.RESTORED;
        PageMerging.Status status = merge ? PageMerging.enableForChildren() : null;
        try {
            if (merge && !status.active()) {
                notes.add("Page merging could not be turned on (" + status.describe() + "): not measured.");
                return new Memory(n, Setup.RESTORED_KSM, 0, 0, 0, 0, 0);
            }
            if (!merge && PageMerging.memoryMerge()) {
                throw new ThawException("PR_SET_MEMORY_MERGE is still set on thaw bench: workers restored now would be merged");
            }
            List<Jvms.Running> all = new ArrayList<>();
            long started = System.nanoTime();
            for (int i = 0; i < n; i++) {
                all.add(jvms.restore(from));
            }
            if (!jvms.awaitReady(all, Duration.ofSeconds(settings.readyTimeoutSeconds()))) {
                String why = all.stream().map(Jvms.Running::failure).flatMap(Optional::stream).findFirst().orElse("no CRIU error");
                throw new ThawException("not all of " + n + " restored workers became ready (" + why + "): see the restore logs in "
                        + settings.workDir().resolve("restores"));
            }
            long allReady = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            BenchResult.RestoreFigures criu = Jvms.figures(from.mode().label(), all);
            if (!merge) {
                Memory m = measure(all, n, setup, 0, 0, allReady, criu);
                requireKsmOff(all, n, setup, m);
                stopAll(jvms);
                return m;
            }
            LoadGenerator.run(settings.load(), settings.connections() * n, BenchSettings.MEMORY_LOAD_MILLIS);
            long settleStart = System.nanoTime();
            boolean settled = awaitMergingSettled(all, n);
            double settle = (System.nanoTime() - settleStart) / 1e9;
            if (!settled) {
                notes.add(String.format("Page merging of %d workers had not settled after %d s (--ksm-wait): measured as it was.",
                        n, settings.ksmWaitSeconds()));
            }
            Memory m = measure(all, n, Setup.RESTORED_KSM, settle, mergingPages(all) * PageMerging.PAGE_SIZE, allReady, criu);
            stopAll(jvms);
            return m;
        } finally {
            if (merge) {
                PageMerging.disableForChildren();
                status.previous().ifPresent(PageMerging::restore);
            }
        }
    }

    /**
     * Settled: ksmd has made at least {@link #SETTLE_SCANS} full scans since the workers were up (the
     * scan running then may have missed them, and the first one that sees a page only checksums it)
     * and the pages merged in these workers ({@code /proc/PID/ksm_stat}) moved by under 1% over the
     * last {@link #STABLE_SECONDS} seconds. Only the workers' own counters count: on a shared machine
     * other processes merge and unmerge too. When ksmd was stopped meanwhile (someone else's KSM
     * settings), it is started again and the report says so.
     */
    boolean awaitMergingSettled(List<Jvms.Running> workers, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.ksmWaitSeconds());
        long startScans = PageMerging.kernel().fullScans();
        java.util.ArrayDeque<Long> lastSeconds = new java.util.ArrayDeque<>(List.of(mergingPages(workers)));
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            if (PageMerging.Tuning.read().map(t -> t.run() != 1).orElse(false)) {
                notes.add("ksmd was stopped by another process while " + n + " workers were being merged; thaw bench started it again.");
                PageMerging.enableForChildren();
            }
            long now = mergingPages(workers);
            lastSeconds.addLast(now);
            if (lastSeconds.size() > STABLE_SECONDS + 1) {
                lastSeconds.removeFirst();
            }
            long then = lastSeconds.getFirst();
            boolean scanned = PageMerging.kernel().fullScans() >= startScans + SETTLE_SCANS;
            boolean stable = lastSeconds.size() == STABLE_SECONDS + 1 && Math.abs(now - then) <= Math.max(64, then / 100);
            if (scanned && stable && now > 0) {
                return true;
            }
        }
        return false;
    }

    /** Pages of these workers' processes merged by KSM now. */
    private static long mergingPages(List<Jvms.Running> workers) {
        return workers.stream().flatMap(w -> w.pids().stream()).map(PageMerging::of).flatMap(Optional::stream)
                .mapToLong(PageMerging.ProcessStats::mergingPages).sum();
    }

    /**
     * One cold JVM serving the load of 1, then 2, ... N workers (N times the connections, so its
     * thread pool grows to serve them), measured after each: the other way to use N workers' cores.
     */
    private List<Memory> oneJvm(Jvms jvms) throws IOException, InterruptedException {
        Jvms.Running jvm = jvms.startCold(settings.command(), "memory-one-jvm");
        probe.awaitFirst200(jvm.startedNanos(), jvm::isAlive, "one JVM");
        Jvms.awaitQuiet(List.of(jvm), Duration.ofSeconds(settings.readyTimeoutSeconds()));
        List<Memory> result = new ArrayList<>();
        for (int n : settings.workers()) {
            LoadGenerator.run(settings.load(), settings.connections() * n, BenchSettings.MEMORY_LOAD_MILLIS);
            ProcessMemory m = ProcessMemory.sum(jvm.pids());
            result.add(new Memory(n, Setup.ONE_JVM, m.pssBytes(), m.rssBytes(), 0, 0, 0));
            progress.say(String.format("bench: memory: %-26s PSS %s, RSS %s", Setup.ONE_JVM.label.replace(" N ", " " + n + " ") + ":",
                    Bytes.human(m.pssBytes()), Bytes.human(m.rssBytes())));
        }
        stopAll(jvms);
        return result;
    }

    /**
     * Without page merging, KSM must really be off for these workers: PR_SET_MEMORY_MERGE is inherited, and CRIU gives
     * a worker back the leader's MADV_MERGEABLE areas. Checked on every process of theirs when measured
     * ({@code /proc/PID/ksm_stat}: not merge-any, no mergeable area, no merged page); the report says so when not.
     */
    private void requireKsmOff(List<Jvms.Running> all, int n, Setup setup, Memory m) {
        List<String> merging = all.stream().flatMap(w -> w.pids().stream()).map(MemoryBench::ksmState).flatMap(Optional::stream).toList();
        if (!merging.isEmpty() || m.mergedBytes() > 0) {
            notes.add(String.format("KSM was not off for %s (%s merged): %s.", setup.label.replace("N ", n + " "),
                    Bytes.human(m.mergedBytes()), merging.isEmpty() ? "pages merged" : String.join("; ", merging)));
        }
    }

    /** What makes a process subject to KSM, from its ksm_stat ("pid 123: ksm_merge_any: yes"); empty when nothing does. */
    static Optional<String> ksmState(long pid) {
        try {
            List<String> on = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc", Long.toString(pid), "ksm_stat")).stream()
                    .filter(l -> l.matches("ksm_(merge_any|mergeable): yes") || l.matches("ksm_merging_pages [1-9].*")).toList();
            return on.isEmpty() ? Optional.empty() : Optional.of("pid " + pid + ": " + String.join(", ", on));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // gone, or a kernel without ksm_stat
        }
    }

    /** Loads every JVM for a moment (so that each has served), then sums their memory. */
    private Memory measure(List<Jvms.Running> all, int n, Setup setup, double settle, long merged, long allReadyMillis,
                           BenchResult.RestoreFigures criu) throws InterruptedException {
        if (setup != Setup.RESTORED_KSM) {
            LoadGenerator.run(settings.load(), settings.connections() * n, BenchSettings.MEMORY_LOAD_MILLIS);
        }
        ProcessMemory total = ProcessMemory.ZERO;
        ProcessMemory helpers = ProcessMemory.ZERO;
        for (Jvms.Running r : all) {
            for (long pid : r.pids()) {
                ProcessMemory m = ProcessMemory.of(pid);
                total = total.plus(m);
                if (pid != r.jvmPid()) {
                    helpers = helpers.plus(m);
                }
            }
        }
        if (setup != Setup.RESTORED_KSM && setup != Setup.COLD_JVMS) {
            merged = mergingPages(all) * PageMerging.PAGE_SIZE; // should be 0: see requireKsmOff
        }
        Memory memory = new Memory(n, setup, total.pssBytes(), total.rssBytes(), helpers.pssBytes(), settle, merged, allReadyMillis, criu);
        progress.say(String.format("bench: memory: %-34s PSS %s (%s each), RSS %s%s%s%s", setup.label.replace("N ", n + " ") + ":",
                Bytes.human(memory.totalPssBytes()), Bytes.human(memory.perWorkerPssBytes()), Bytes.human(memory.totalRssBytes()),
                allReadyMillis > 0 ? ", all ready in " + allReadyMillis + " ms" : "",
                criu == null || criu.isEmpty() ? "" : ", per worker mapped " + Bytes.human(criu.mappedBytesPerWorker()) + ", copied "
                        + Bytes.human(criu.copiedBytesPerWorker()),
                setup == Setup.RESTORED_KSM ? String.format(", merging settled in %.0f s", settle) : ""));
        return memory;
    }

    private void stopAll(Jvms jvms) throws InterruptedException {
        jvms.killAll();
        probe.awaitFree();
    }
}
