package dev.thaw.bench;

import dev.thaw.Bytes;
import dev.thaw.ThawException;
import dev.thaw.bench.BenchResult.Mode;
import dev.thaw.bench.BenchResult.Startup;
import dev.thaw.criu.Criu;
import dev.thaw.criu.RestoreMode;
import dev.thaw.criu.RestoreStats;
import dev.thaw.criu.Restorer;
import dev.thaw.host.PageMerging;
import dev.thaw.image.ImageManifest;
import dev.thaw.leader.JdkInfo;
import dev.thaw.leader.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Measures an app side by side in one run, so that the ratios hold even on a noisy machine: a cold
 * JVM, a cold JVM with the JDK's AOT cache, and a worker restored from a thaw image in each restore
 * mode (map: the image's pages mapped copy-on-write, when this CRIU can; copy: stock CRIU). Then the
 * memory of N of each, with and without page merging.
 *
 * <pre>
 *   1. AOT training run (-XX:AOTCacheOutput), which also warms up the load generator
 *   2. thaw checkpoint of the app (the image the restores come from)
 *   3. K runs, modes interleaved: start, time to first 200, first second of load (steady state: every run of a restored worker, the last of a cold JVM)
 *   4. N cold JVMs, grown from one N to the next; for each N: N workers restored at once in each mode
 *      (time until all are ready), and N copied workers with page merging once it settled
 *   5. one cold JVM serving 1, 2, ... N workers' load
 *   6. a second, larger image of the app, restored from both images in each mode ({@link ScalingBench})
 *   7. image economy, reforking and page sharing ({@link EconomyBench})
 *   8. thaw run from the same image: rolling restart (HUP) under load, kill -9, TTIN
 *   9. the reference pre-fork server, when given
 * </pre>
 */
public final class Bench {
    private final BenchSettings settings;
    private final Probe probe;
    private final Criu criu;
    private final Progress progress;
    private final List<String> notes = new ArrayList<>();

    public Bench(BenchSettings settings, Criu criu, Progress progress) {
        this.settings = settings;
        this.probe = new Probe(settings.probe(), settings.readyTimeoutSeconds(), settings.workDir().toString());
        this.criu = criu;
        this.progress = progress;
    }

    /**
     * Runs every scenario, each through the running report: bench.json and bench.md are written after each one, and one
     * that fails is reported with its error while the run goes on ({@link BenchResult#failures()}).
     */
    public BenchResult run() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        probe.requireFree();
        Files.createDirectories(settings.workDir());
        if (PageMerging.memoryMerge()) {
            notes.add("thaw bench was started with PR_SET_MEMORY_MERGE (inherited from its parent): it cleared it, so that only the "
                    + "setups with page merging are merged.");
        }
        PageMerging.disableForChildren(); // inherited by the leaders too: a merged leader's VMAs would come back mergeable
        RunningReport report = new RunningReport(settings, progress, notes);
        Machine machine = Machine.describe(appJdk(), criu);
        report.machine = machine;
        progress.say("bench: " + machine.cpu() + ", " + machine.cores() + " cores, " + Bytes.human(machine.memoryBytes())
                + ", " + machine.kernel() + ", app on " + machine.appJdk() + ", CRIU " + machine.criu());
        RestoreMode.Choice choice = RestoreMode.choose(settings.restoreMode(), criu);
        progress.say("bench: " + choice.announcement());
        if (choice.mode() != RestoreMode.MAP) {
            notes.add("Restore by mapping was not measured: " + choice.announcement() + ". Every restore here copies the image, "
                    + "and the targets of restore by mapping are shown as not measured.");
        }
        Path aotCache = settings.aot() ? report.measure(Scenario.AOT_TRAINING, this::trainAotCache, c -> { }).orElse(null) : null;
        Path imageDir = settings.workDir().resolve("image");
        Optional<ImageManifest> manifest = report.measure(Scenario.CHECKPOINT, () -> checkpoint(imageDir, settings.command()),
                m -> report.image = new BenchResult.Image(m.imageBytes(), m.dumpMillis(), m.coldStartMillis()));
        manifest.ifPresent(m -> noteHeapShrink(settings.workDir().resolve("checkpoint-" + imageDir.getFileName() + ".log")));
        if (manifest.isPresent()) {
            measureRestores(report, imageDir, manifest.get(), choice, aotCache);
            if (settings.poolWorkers() > 0) {
                new PoolScenarios(settings, imageDir, progress).run(settings.poolWorkers(), report);
            }
        } else {
            for (Scenario s : List.of(Scenario.STARTUP, Scenario.MEMORY, Scenario.POOL_START)) {
                report.skip(s, Scenario.CHECKPOINT);
            }
        }
        if (settings.referenceCommand() != null) {
            report.measure(Scenario.REFERENCE, () -> new PreforkReference(settings, progress).run(), r -> report.reference = r);
        }
        progress.say(String.format("bench: done in %.0f s", (System.nanoTime() - t0) / 1e9));
        BenchResult result = report.result();
        report.write();
        return result;
    }

    /** Start-up, memory, the larger image and image economy: single restores timed in-process, next to cold JVMs. */
    private void measureRestores(RunningReport report, Path imageDir, ImageManifest manifest, RestoreMode.Choice choice, Path aotCache)
            throws IOException, InterruptedException {
        Path restores = Files.createDirectories(settings.workDir().resolve("restores"));
        Restorer copy = new Restorer(criu, imageDir, manifest, restores, RestoreMode.COPY);
        Restorer map = choice.mode() == RestoreMode.MAP ? new Restorer(criu, imageDir, manifest, restores, RestoreMode.MAP) : null;
        Restorer standard = map != null ? map : copy; // what thaw run does by default (--restore-mode auto)
        try (Jvms jvms = new Jvms(settings.workDir(), standard, settings.appUser())) {
            report.measure(Scenario.STARTUP, () -> measureStartup(jvms, aotCache, map, copy), s -> report.startup = s);
            stopAll(jvms);
            if (!settings.noMemory()) {
                report.measure(Scenario.MEMORY, () -> new MemoryBench(settings, probe, progress, notes, map, copy).run(jvms),
                        m -> report.memory = m);
                stopAll(jvms);
            }
            if (settings.largeImageFlag() != null && settings.largeImageRuns() > 0) {
                report.measure(Scenario.LARGER_IMAGE, () -> new ScalingBench(settings, criu, probe, progress, notes, this::checkpoint)
                        .run(jvms, manifest, map == null ? List.of(copy) : List.of(map, copy)), s -> report.scaling = s);
                stopAll(jvms);
            }
            if (settings.economyRuns() > 0) {
                report.measure(Scenario.ECONOMY, () -> new EconomyBench(settings, criu, probe, progress, notes, this::checkpoint)
                        .run(jvms, standard), e -> report.economy = e);
                stopAll(jvms);
            }
        }
    }

    /**
     * The JVM's pid on this host. A restored worker's is known to its {@link dev.thaw.criu.WorkerProcess} only once thaw has
     * found it; until then it is the java process among the worker's processes (unshare, criu, the JVM).
     */
    private static long javaPid(Jvms.Running jvm) {
        if (jvm.jvmPid() > 0) {
            return jvm.jvmPid();
        }
        for (long pid : jvm.pids()) {
            try {
                if (Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip().equals("java")) {
                    return pid;
                }
            } catch (IOException e) {
                // gone
            }
        }
        return -1;
    }

    /** The leader's last collection before its dump, thaw's heap shrink: the heap every restored worker starts with. */
    private void noteHeapShrink(Path checkpointLog) {
        List<FirstSecondCost.Gc> gcs = FirstSecondCost.gcs(checkpointLog);
        if (gcs.isEmpty()) {
            notes.add("The leader logged no collection (-Xlog:gc) in " + checkpointLog.getFileName() + ": the heap the image holds is not known.");
            return;
        }
        FirstSecondCost.Gc last = gcs.get(gcs.size() - 1);
        notes.add("Measured (-Xlog:gc of the leader): its last collection before the dump, thaw's heap shrink, left "
                + Bytes.human(last.heapAfterBytes()) + " of heap in use and " + Bytes.human(last.heapCommittedBytes())
                + " committed: every restored worker starts with that heap, and grows it again as it allocates.");
    }

    /** After a scenario, failed or not: none of its JVMs is left, and the app's port is free for the next. */
    private void stopAll(Jvms jvms) throws InterruptedException {
        jvms.killAll();
        try {
            probe.awaitFree();
        } catch (RuntimeException e) {
            progress.say("bench: " + e.getMessage()); // the next scenario will fail on it, and say so in the report
        }
    }

    // ---- 1. AOT cache -------------------------------------------------------------------------

    /** A training run with {@code -XX:AOTCacheOutput} (JDK 25, JEP 514); null when the app's JDK has none. */
    private Path trainAotCache() throws IOException, InterruptedException {
        Path cache = appWritable().resolve("app.aot");
        if (!jdkHasOneStepAot()) {
            notes.add("The app's JDK has no -XX:AOTCacheOutput (JDK 25+): the AOT-cache mode was skipped.");
            warmLoadGenerator();
            return null;
        }
        progress.say("bench: AOT training run (-XX:AOTCacheOutput): start, " + settings.warmupRequests() + " requests, exit");
        Process p = new ProcessBuilder(settings.asAppUser(withJvmFlag("-XX:AOTCacheOutput=" + cache))).redirectErrorStream(true)
                .redirectOutput(settings.workDir().resolve("aot-training.log").toFile()).start();
        try {
            long started = System.nanoTime();
            probe.awaitFirst200(started, p::isAlive, "the AOT training run");
            driveWarmup();
            p.toHandle().destroy(); // TERM: the JVM writes the cache on its way out
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                throw new ThawException("the AOT training run did not exit within 300 s of TERM");
            }
        } finally {
            p.destroyForcibly();
        }
        probe.awaitFree();
        if (!Files.isRegularFile(cache)) {
            notes.add("The AOT training run wrote no cache (see aot-training.log): the AOT-cache mode was skipped.");
            return null;
        }
        progress.say("bench: AOT cache " + Bytes.human(Files.size(cache)));
        return cache;
    }

    /**
     * Where the app's own JVM may write (the AOT cache): the work directory, or with --user a directory of that user's in it,
     * the work directory itself made traversable (0711) but not readable by others.
     */
    private Path appWritable() throws IOException {
        if (settings.appUser() == null) {
            return settings.workDir();
        }
        Path dir = Files.createDirectories(settings.workDir().resolve("app"));
        Files.setAttribute(dir, "unix:uid", settings.appUser().uid());
        Files.setAttribute(dir, "unix:gid", settings.appUser().gid());
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(settings.workDir(), java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        return dir;
    }

    private boolean jdkHasOneStepAot() {
        Criu.ProcessResult r = Criu.ProcessResult.run(List.of(settings.command().get(0), "-XX:+PrintFlagsFinal", "-version"), 60);
        return r.output().contains("AOTCacheOutput");
    }

    /** Without an AOT training run, a cold run that only warms up the load generator's own code. */
    private void warmLoadGenerator() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(settings.asAppUser(settings.command())).redirectErrorStream(true)
                .redirectOutput(settings.workDir().resolve("warmup.log").toFile()).start();
        try {
            probe.awaitFirst200(System.nanoTime(), p::isAlive, "the warm-up run");
            driveWarmup();
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        probe.awaitFree();
    }

    /**
     * Sends the warm-up requests with the load generator, bounded in time as well as count, then warms the generator's
     * own code for what every measured run does: {@link #GENERATOR_RUNS} short runs of the load, each on new threads and
     * new connections. The generator shares the app's cores; measured with one run only, its JIT recompiled the code of a
     * run's start (uncommon traps) in the first measured runs and took ~300 ms of CPU of a restored worker's first 600 ms.
     */
    private void driveWarmup() throws InterruptedException {
        long millis = Math.max(2000, Math.min(20_000, settings.warmupRequests() * 5L));
        LoadGenerator.run(settings.warmup(), settings.connections(), millis);
        for (int i = 0; i < GENERATOR_RUNS; i++) {
            LoadGenerator.run(settings.load(), settings.connections(), GENERATOR_RUN_MILLIS);
        }
    }

    static final int GENERATOR_RUNS = 8;
    static final long GENERATOR_RUN_MILLIS = 1000;

    // ---- 2. the thaw image ---------------------------------------------------------------------

    /** A thaw image of {@code command} in {@code dir}, made by thaw checkpoint; the app's port is free again on return. */
    private ImageManifest checkpoint(Path dir, List<String> command) throws IOException, InterruptedException {
        return checkpoint(dir, command, List.of());
    }

    private ImageManifest checkpoint(Path dir, List<String> command, List<String> thawOptions) throws IOException, InterruptedException {
        ImageManifest manifest = new ThawCheckpoint(settings, progress).checkpoint(dir, command, thawOptions);
        probe.awaitFree();
        return manifest;
    }

    // ---- 3. start-up and first second -----------------------------------------------------------

    private List<Startup> measureStartup(Jvms jvms, Path aotCache, Restorer map, Restorer copy) throws IOException, InterruptedException {
        List<Mode> modes = new ArrayList<>(List.of(Mode.COLD));
        if (aotCache != null) {
            modes.add(Mode.AOT);
        }
        modes.add(Mode.RESTORED);
        if (map != null) {
            modes.add(Mode.RESTORED_MAP);
        }
        Map<Mode, List<Long>> firstOk = new EnumMap<>(Mode.class);
        Map<Mode, List<Jvms.Running>> restored = new EnumMap<>(Mode.class);
        Map<Mode, List<LoadGenerator.Recording>> fresh = new EnumMap<>(Mode.class);
        Map<Mode, List<LoadGenerator.Window>> steady = new EnumMap<>(Mode.class);
        Map<Mode, List<FirstSecondCost.Run>> costs = new EnumMap<>(Mode.class);
        Map<Mode, List<Integer>> steadyGcs = new EnumMap<>(Mode.class);
        Map<Mode, Traffic> warmNew = new EnumMap<>(Mode.class);
        for (int run = 1; run <= settings.runs(); run++) {
            boolean last = run == settings.runs();
            for (Mode mode : modes) {
                boolean steadyToo = last || isRestored(mode);
                Jvms.Running jvm = switch (mode) {
                    case COLD -> jvms.startCold(withJvmFlag(FirstSecondCost.GC_LOG_FLAG), "cold-" + run);
                    case AOT -> jvms.startCold(withJvmFlag(FirstSecondCost.GC_LOG_FLAG, "-XX:AOTCache=" + aotCache), "aot-" + run);
                    case RESTORED -> jvms.restore(copy);
                    case RESTORED_MAP -> jvms.restore(map);
                };
                long ok = probe.awaitFirst200(jvm.startedNanos(), jvm::isAlive, mode.label);
                Optional<RestoreStats> criuStats = jvm.restoreStats();
                if (isRestored(mode)) {
                    restored.computeIfAbsent(mode, m -> new ArrayList<>()).add(jvm); // its figures are read once it is gone
                }
                long millis = BenchSettings.FRESH_LOAD_MILLIS
                        + (steadyToo ? settings.steadySeconds() * 1000L + BenchSettings.STEADY_WINDOW_MILLIS : 0);
                // The JVM's own counters from the start of the load to one second later, read while the load goes on.
                long pid = javaPid(jvm);
                FirstSecondCost.Counters before = FirstSecondCost.Counters.of(pid);
                long loadStart = System.currentTimeMillis();
                java.util.concurrent.CompletableFuture<FirstSecondCost.Counters> oneSecondIn = new java.util.concurrent.CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(BenchSettings.FIRST_SECOND_MILLIS);
                        oneSecondIn.complete(FirstSecondCost.Counters.of(pid));
                    } catch (InterruptedException e) {
                        oneSecondIn.complete(FirstSecondCost.Counters.NONE);
                    }
                });
                LoadGenerator.Recording load = LoadGenerator.run(settings.load(), settings.connections(), millis);
                if (last) {
                    // The same JVM, warm now, on 4 new connections: how much of a first second is new connections alone.
                    warmNew.put(mode, LoadGenerator.run(settings.load(), settings.connections(), BenchSettings.FIRST_SECOND_MILLIS)
                            .window(0, BenchSettings.FIRST_SECOND_MILLIS).traffic());
                }
                List<FirstSecondCost.Gc> gcs = jvm.gcs();
                costs.computeIfAbsent(mode, m -> new ArrayList<>()).add(new FirstSecondCost.Run(oneSecondIn.join().minus(before),
                        FirstSecondCost.between(gcs, loadStart, loadStart + BenchSettings.FIRST_SECOND_MILLIS)));
                if (steadyToo) {
                    steadyGcs.computeIfAbsent(mode, m -> new ArrayList<>())
                            .add(FirstSecondCost.between(gcs, loadStart + millis - BenchSettings.STEADY_WINDOW_MILLIS, loadStart + millis).size());
                }
                jvms.killAll();
                probe.awaitFree();
                if (mode == Mode.AOT) {
                    checkAotCacheUsed("aot-" + run + ".log");
                }
                firstOk.computeIfAbsent(mode, m -> new ArrayList<>()).add(ok);
                fresh.computeIfAbsent(mode, m -> new ArrayList<>()).add(load);
                Traffic f = load.window(0, BenchSettings.FIRST_SECOND_MILLIS).traffic();
                String line = String.format("bench: run %d/%d: %-21s first 200 after %5d ms%s; first second: %6.0f req/s, p50 %.1f ms, p99 %.1f ms",
                        run, settings.runs(), mode.label + ":", ok, criuStats.map(Bench::describe).orElse(""),
                        f.requestsPerSecond(), f.p50Ms(), f.p99Ms());
                if (steadyToo) {
                    LoadGenerator.Window w = load.window(millis - BenchSettings.STEADY_WINDOW_MILLIS, millis);
                    steady.computeIfAbsent(mode, m -> new ArrayList<>()).add(w);
                    line += String.format("; steady: %.0f req/s, p99 %.1f ms", w.traffic().requestsPerSecond(), w.traffic().p99Ms());
                }
                if (last) {
                    line += String.format("; warm, new connections: p99 %.1f ms", warmNew.get(mode).p99Ms());
                }
                progress.say(line);
            }
        }
        List<Startup> result = new ArrayList<>();
        for (Mode mode : modes) {
            List<LoadGenerator.Recording> runs = fresh.get(mode);
            String restoreMode = mode == Mode.RESTORED ? copy.mode().label() : mode == Mode.RESTORED_MAP ? map.mode().label() : null;
            result.add(new Startup(mode, firstOk.get(mode), Summary.of(firstOk.get(mode)),
                    Traffic.pool(windows(runs, 0, BenchSettings.FIRST_SECOND_MILLIS)), steady.containsKey(mode) ? Traffic.pool(steady.get(mode)) : Traffic.NONE,
                    timeline(runs), restoreMode == null ? null : Jvms.figures(restoreMode, restored.getOrDefault(mode, List.of())),
                    FirstSecondCost.of(costs.getOrDefault(mode, List.of()), gcsPerSecond(steadyGcs.get(mode))),
                    warmNew.getOrDefault(mode, Traffic.NONE)));
        }
        return result;
    }

    /** " (CRIU 31 ms, mapped 389.2 MiB, copied 1.2 MiB)": a restore's stats for a progress line. */
    static String describe(RestoreStats s) {
        return String.format(" (CRIU %d ms, mapped %s, copied %s)", s.restoreMillis(), Bytes.human(s.bytesMapped()), Bytes.human(s.bytesCopied()));
    }

    /**
     * A restored worker's steady state is measured in every run, pooled, and a cold JVM's in the last run only: the
     * first second is judged against the steady state of the same workers, and one 3 s window of one worker swung the
     * ratio by +-0.5x from run to run on a shared 2-core machine. A cold JVM's steady state is context, not a target.
     */
    private static boolean isRestored(Mode mode) {
        return mode == Mode.RESTORED || mode == Mode.RESTORED_MAP;
    }

    /** Collections a second over the steady windows, -1 when none was measured. */
    private static double gcsPerSecond(List<Integer> perWindow) {
        if (perWindow == null || perWindow.isEmpty()) {
            return -1;
        }
        return perWindow.stream().mapToInt(Integer::intValue).sum() * 1000.0 / (perWindow.size() * BenchSettings.STEADY_WINDOW_MILLIS);
    }

    /** A JVM that cannot map its AOT cache says so on its output and runs without it: the report must say so too. */
    private void checkAotCacheUsed(String logName) throws IOException {
        Path log = settings.workDir().resolve(logName);
        if (Files.isRegularFile(log) && Files.readString(log).matches("(?s).*\\[(warning|error)\\]\\[aot.*")) {
            notes.add("The JVM in " + logName + " reported a problem with its AOT cache (see the work directory, --keep-work):"
                    + " that run may have started without it.");
        }
    }

    /** The same window of every run. */
    private static List<LoadGenerator.Window> windows(List<LoadGenerator.Recording> runs, long fromMillis, long toMillis) {
        return runs.stream().map(r -> r.window(fromMillis, toMillis)).toList();
    }

    /** The fresh load cut into slices, each slice pooled over the runs: how a fresh JVM's latency settles. */
    private static List<Traffic> timeline(List<LoadGenerator.Recording> runs) {
        List<Traffic> slices = new ArrayList<>();
        for (long from = 0; from < BenchSettings.FRESH_LOAD_MILLIS; from += BenchSettings.SLICE_MILLIS) {
            slices.add(Traffic.pool(windows(runs, from, from + BenchSettings.SLICE_MILLIS)));
        }
        return slices;
    }

    /** The app's command with JVM flags added right after the java executable. */
    private List<String> withJvmFlag(String... flags) {
        List<String> c = new ArrayList<>(settings.command());
        c.addAll(1, List.of(flags));
        return c;
    }

    private String appJdk() {
        try {
            Path java = Path.of(settings.command().get(0));
            if (!java.isAbsolute()) {
                return Criu.ProcessResult.run(List.of(java.toString(), "-version"), 30).firstLine();
            }
            return JdkInfo.of(java.toRealPath().getParent().getParent()).describe();
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
