package dev.thaw.bench;

import dev.thaw.bench.BenchResult.Memory;
import dev.thaw.bench.BenchResult.Mode;
import dev.thaw.bench.BenchResult.Setup;
import dev.thaw.bench.BenchResult.Startup;
import dev.thaw.engine.Bytes;
import dev.thaw.engine.CheckpointRequest;
import dev.thaw.engine.Checkpointer;
import dev.thaw.engine.Criu;
import dev.thaw.engine.ImageManifest;
import dev.thaw.engine.JdkInfo;
import dev.thaw.engine.PageMerging;
import dev.thaw.engine.Progress;
import dev.thaw.engine.Restorer;
import dev.thaw.engine.ThawException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Measures an app three ways, side by side in one run, so that the ratios hold even on a noisy
 * machine: a cold JVM, a cold JVM with the JDK's AOT cache, and a worker restored from a thaw
 * image. Then the memory of N of each, with and without page merging.
 *
 * <pre>
 *   1. AOT training run (-XX:AOTCacheOutput), which also warms up the load generator
 *   2. thaw checkpoint of the app (the image the restores come from)
 *   3. K runs, modes interleaved: start, time to first 200, first second of load (steady state in the last run)
 *   4. for each N: N cold JVMs; N restored workers; N restored workers with page merging, once settled
 *   5. one cold JVM serving N workers' connections, for each N
 * </pre>
 */
public final class Bench {
    private static final long POLL_MILLIS = 2;
    private final BenchSettings settings;
    private final Criu criu;
    private final Progress progress;
    private final List<String> notes = new ArrayList<>();

    public Bench(BenchSettings settings, Criu criu, Progress progress) {
        this.settings = settings;
        this.criu = criu;
        this.progress = progress;
    }

    public BenchResult run() throws IOException, InterruptedException {
        Instant startedAt = Instant.now();
        long t0 = System.nanoTime();
        requirePortFree();
        Files.createDirectories(settings.workDir());
        Machine machine = Machine.describe(appJdk(), criu);
        progress.say("bench: " + machine.cpu() + ", " + machine.cores() + " cores, " + Bytes.human(machine.memoryBytes())
                + ", " + machine.kernel() + ", app on " + machine.appJdk() + ", CRIU " + machine.criu());
        Path aotCache = settings.aot() ? trainAotCache() : null;
        ImageManifest manifest = checkpoint();
        BenchResult.Image image = new BenchResult.Image(manifest.imageBytes(), manifest.dumpMillis(), manifest.coldStartMillis());
        Restorer restorer = new Restorer(criu, settings.workDir().resolve("image"), manifest,
                Files.createDirectories(settings.workDir().resolve("restores")));
        List<Startup> startup;
        List<Memory> memory;
        try (Jvms jvms = new Jvms(settings.workDir(), restorer)) {
            startup = measureStartup(jvms, aotCache);
            memory = measureMemory(jvms);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        progress.say(String.format("bench: done in %.0f s", seconds));
        return new BenchResult(startedAt, seconds, machine, settings, image, startup, memory, notes);
    }

    // ---- 1. AOT cache -------------------------------------------------------------------------

    /** A training run with {@code -XX:AOTCacheOutput} (JDK 25, JEP 514); null when the app's JDK has none. */
    private Path trainAotCache() throws IOException, InterruptedException {
        Path cache = settings.workDir().resolve("app.aot");
        if (!jdkHasOneStepAot()) {
            notes.add("The app's JDK has no -XX:AOTCacheOutput (JDK 25+): the AOT-cache mode was skipped.");
            warmLoadGenerator();
            return null;
        }
        progress.say("bench: AOT training run (-XX:AOTCacheOutput): start, " + settings.warmupRequests() + " requests, exit");
        Process p = new ProcessBuilder(withJvmFlag("-XX:AOTCacheOutput=" + cache)).redirectErrorStream(true)
                .redirectOutput(settings.workDir().resolve("aot-training.log").toFile()).start();
        try {
            long started = System.nanoTime();
            awaitFirst200(started, p::isAlive, "the AOT training run");
            driveWarmup();
            p.toHandle().destroy(); // TERM: the JVM writes the cache on its way out
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                throw new ThawException("the AOT training run did not exit within 300 s of TERM");
            }
        } finally {
            p.destroyForcibly();
        }
        awaitPortFree();
        if (!Files.isRegularFile(cache)) {
            notes.add("The AOT training run wrote no cache (see aot-training.log): the AOT-cache mode was skipped.");
            return null;
        }
        progress.say("bench: AOT cache " + Bytes.human(Files.size(cache)));
        return cache;
    }

    private boolean jdkHasOneStepAot() {
        Criu.ProcessResult r = Criu.ProcessResult.run(List.of(settings.command().get(0), "-XX:+PrintFlagsFinal", "-version"), 60);
        return r.output().contains("AOTCacheOutput");
    }

    /** Without an AOT training run, a cold run that only warms up the load generator's own code. */
    private void warmLoadGenerator() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(settings.command()).redirectErrorStream(true)
                .redirectOutput(settings.workDir().resolve("warmup.log").toFile()).start();
        try {
            awaitFirst200(System.nanoTime(), p::isAlive, "the warm-up run");
            driveWarmup();
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        awaitPortFree();
    }

    /** Sends the warm-up requests with the load generator, bounded in time as well as count. */
    private void driveWarmup() throws InterruptedException {
        long millis = Math.max(2000, Math.min(20_000, settings.warmupRequests() * 5L));
        LoadGenerator.run(settings.load(), settings.connections(), millis);
    }

    // ---- 2. the thaw image ---------------------------------------------------------------------

    private ImageManifest checkpoint() throws IOException, InterruptedException {
        progress.say("bench: thaw checkpoint (" + settings.warmupRequests() + " warm-up requests)");
        List<URI> warmup = new ArrayList<>(List.of(settings.probe()));
        settings.load().stream().filter(u -> !u.equals(settings.probe())).forEach(warmup::add);
        CheckpointRequest request = new CheckpointRequest(settings.workDir().resolve("image"), true, settings.command(),
                Path.of("").toAbsolutePath(), warmup, settings.warmupRequests(), Duration.ofSeconds(settings.readyTimeoutSeconds()),
                Duration.ofSeconds(60), settings.agentJar(), 1, List.of());
        Progress quiet = line -> {
            if (!line.startsWith("leader | ") && !line.startsWith("warm-up ")) {
                progress.say("bench: checkpoint: " + line);
            }
        };
        ImageManifest manifest = new Checkpointer(criu, quiet).checkpoint(request);
        awaitPortFree();
        return manifest;
    }

    // ---- 3. start-up and first second -----------------------------------------------------------

    private List<Startup> measureStartup(Jvms jvms, Path aotCache) throws IOException, InterruptedException {
        List<Mode> modes = aotCache == null ? List.of(Mode.COLD, Mode.RESTORED) : List.of(Mode.COLD, Mode.AOT, Mode.RESTORED);
        Map<Mode, List<Long>> firstOk = new EnumMap<>(Mode.class);
        Map<Mode, List<LoadGenerator.Window>> firstSecond = new EnumMap<>(Mode.class);
        Map<Mode, Traffic> steady = new EnumMap<>(Mode.class);
        for (int run = 1; run <= settings.runs(); run++) {
            boolean last = run == settings.runs();
            for (Mode mode : modes) {
                Jvms.Running jvm = switch (mode) {
                    case COLD -> jvms.startCold(settings.command(), "cold-" + run);
                    case AOT -> jvms.startCold(withJvmFlag("-XX:AOTCache=" + aotCache), "aot-" + run);
                    case RESTORED -> jvms.restore();
                };
                long ok = awaitFirst200(jvm.startedNanos(), jvm::isAlive, mode.label);
                long millis = BenchSettings.FIRST_SECOND_MILLIS
                        + (last ? settings.steadySeconds() * 1000L + BenchSettings.STEADY_WINDOW_MILLIS : 0);
                LoadGenerator.Recording load = LoadGenerator.run(settings.load(), settings.connections(), millis);
                LoadGenerator.Window first = load.window(0, BenchSettings.FIRST_SECOND_MILLIS);
                jvms.killAll();
                awaitPortFree();
                firstOk.computeIfAbsent(mode, m -> new ArrayList<>()).add(ok);
                firstSecond.computeIfAbsent(mode, m -> new ArrayList<>()).add(first);
                Traffic f = first.traffic();
                String line = String.format("bench: run %d/%d: %-21s first 200 after %5d ms; first second: %6.0f req/s, p50 %.1f ms, p99 %.1f ms",
                        run, settings.runs(), mode.label + ":", ok, f.requestsPerSecond(), f.p50Ms(), f.p99Ms());
                if (last) {
                    Traffic s = load.window(millis - BenchSettings.STEADY_WINDOW_MILLIS, millis).traffic();
                    steady.put(mode, s);
                    line += String.format("; steady: %.0f req/s, p99 %.1f ms", s.requestsPerSecond(), s.p99Ms());
                }
                progress.say(line);
            }
        }
        List<Startup> result = new ArrayList<>();
        for (Mode mode : modes) {
            result.add(new Startup(mode, firstOk.get(mode), Summary.of(firstOk.get(mode)), Traffic.pool(firstSecond.get(mode)),
                    steady.getOrDefault(mode, Traffic.NONE)));
        }
        return result;
    }

    // ---- 4. and 5. memory ------------------------------------------------------------------------

    private List<Memory> measureMemory(Jvms jvms) throws IOException, InterruptedException {
        List<Memory> result = new ArrayList<>();
        PageMerging.disableForChildren();
        for (int n : settings.workers()) {
            result.add(coldJvms(jvms, n));
            result.add(restoredWorkers(jvms, n, false));
            if (PageMerging.status().kernelSupport()) {
                result.add(restoredWorkers(jvms, n, true));
            }
        }
        if (!PageMerging.status().kernelSupport()) {
            notes.add("The kernel has no KSM: page merging was not measured.");
        }
        result.addAll(oneJvm(jvms));
        return result;
    }

    private Memory coldJvms(Jvms jvms, int n) throws IOException, InterruptedException {
        List<Jvms.Running> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(jvms.startCold(settings.command(), "memory-cold-" + n + "-" + i));
        }
        awaitFirst200(all.get(0).startedNanos(), () -> all.stream().allMatch(Jvms.Running::isAlive), n + " cold JVMs");
        if (!Jvms.awaitQuiet(all, Duration.ofSeconds(settings.readyTimeoutSeconds()))) {
            notes.add(n + " cold JVMs were still busy after " + settings.readyTimeoutSeconds() + " s when their memory was measured.");
        }
        return measure(jvms, all, n, Setup.COLD_JVMS, 0, 0);
    }

    private Memory restoredWorkers(Jvms jvms, int n, boolean merge) throws IOException, InterruptedException {
        PageMerging.Status status = merge ? PageMerging.enableForChildren() : null;
        try {
            if (merge && !status.active()) {
                notes.add("Page merging could not be turned on (" + status.describe() + "): not measured.");
                return new Memory(n, Setup.RESTORED_KSM, 0, 0, 0, 0, 0);
            }
            List<Jvms.Running> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(jvms.restore());
            }
            if (!jvms.awaitReady(all, Duration.ofSeconds(settings.readyTimeoutSeconds()))) {
                String why = all.stream().map(Jvms.Running::failure).flatMap(Optional::stream).findFirst().orElse("no CRIU error");
                throw new ThawException("not all of " + n + " restored workers became ready (" + why + "): see the restore logs in "
                        + settings.workDir().resolve("restores"));
            }
            if (!merge) {
                return measure(jvms, all, n, Setup.RESTORED, 0, 0);
            }
            LoadGenerator.run(settings.load(), settings.connections() * n, BenchSettings.MEMORY_LOAD_MILLIS);
            long settleStart = System.nanoTime();
            boolean settled = awaitMergingSettled();
            double settle = (System.nanoTime() - settleStart) / 1e9;
            if (!settled) {
                notes.add(String.format("Page merging of %d workers had not settled after %d s (--ksm-wait): measured as it was.",
                        n, settings.ksmWaitSeconds()));
            }
            return measure(jvms, all, n, Setup.RESTORED_KSM, settle, PageMerging.kernel().savedBytes());
        } finally {
            if (merge) {
                PageMerging.disableForChildren();
                status.previous().ifPresent(PageMerging::restore);
            }
        }
    }

    /**
     * Settled: ksmd has made at least two full scans since the workers were up (the first scan only
     * finds candidates) and the number of merged pages moved by under 1% in the last second.
     */
    private boolean awaitMergingSettled() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.ksmWaitSeconds());
        PageMerging.KernelStats start = PageMerging.kernel();
        long previous = start.pagesSharing();
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            PageMerging.KernelStats now = PageMerging.kernel();
            boolean scanned = now.fullScans() >= start.fullScans() + 2;
            boolean stable = Math.abs(now.pagesSharing() - previous) <= Math.max(64, previous / 100);
            if (scanned && stable && now.pagesSharing() > 0) {
                return true;
            }
            previous = now.pagesSharing();
        }
        return false;
    }

    /** One cold JVM loaded with the connections of 1, then 2, ... N workers, measured after each. */
    private List<Memory> oneJvm(Jvms jvms) throws IOException, InterruptedException {
        Jvms.Running jvm = jvms.startCold(settings.command(), "memory-one-jvm");
        awaitFirst200(jvm.startedNanos(), jvm::isAlive, "one JVM");
        Jvms.awaitQuiet(List.of(jvm), Duration.ofSeconds(settings.readyTimeoutSeconds()));
        List<Memory> result = new ArrayList<>();
        for (int n : settings.workers()) {
            LoadGenerator.run(settings.load(), settings.connections() * n, BenchSettings.MEMORY_LOAD_MILLIS);
            ProcessMemory m = ProcessMemory.sum(jvm.pids());
            result.add(new Memory(n, Setup.ONE_JVM, m.pssBytes(), m.rssBytes(), 0, 0, 0));
            progress.say(String.format("bench: memory: %-26s PSS %s, RSS %s", Setup.ONE_JVM.label.replace("N x", n + " x") + ":",
                    Bytes.human(m.pssBytes()), Bytes.human(m.rssBytes())));
        }
        jvms.killAll();
        awaitPortFree();
        return result;
    }

    /** Loads every JVM for a moment (so that each has served), then sums their memory and stops them. */
    private Memory measure(Jvms jvms, List<Jvms.Running> all, int n, Setup setup, double settle, long merged)
            throws InterruptedException {
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
        jvms.killAll();
        awaitPortFree();
        Memory memory = new Memory(n, setup, total.pssBytes(), total.rssBytes(), helpers.pssBytes(), settle, merged);
        progress.say(String.format("bench: memory: %-26s PSS %s (%s each), RSS %s%s", setup.label.replace("N ", n + " ") + ":",
                Bytes.human(memory.totalPssBytes()), Bytes.human(memory.perWorkerPssBytes()), Bytes.human(memory.totalRssBytes()),
                setup == Setup.RESTORED_KSM ? String.format(", merging settled in %.0f s", settle) : ""));
        return memory;
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** Polls the probe until it answers 200; returns the milliseconds since {@code startedNanos}. */
    private long awaitFirst200(long startedNanos, java.util.function.BooleanSupplier alive, String what) throws InterruptedException {
        long deadline = startedNanos + TimeUnit.SECONDS.toNanos(settings.readyTimeoutSeconds());
        while (System.nanoTime() < deadline) {
            if (HttpConnection.getOnce(settings.probe(), 2000) == 200) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
            }
            if (!alive.getAsBoolean()) {
                throw new ThawException(what + " exited before answering " + settings.probe() + ": see its log in " + settings.workDir());
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new ThawException(what + " did not answer 200 at " + settings.probe() + " within " + settings.readyTimeoutSeconds()
                + " s: check --url, or raise --ready-timeout");
    }

    /** A stopped JVM's port must be closed before the next one starts, or the next "first 200" is the old one's. */
    private void awaitPortFree() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (HttpConnection.getOnce(settings.probe(), 500) != -1) {
            if (System.nanoTime() > deadline) {
                throw new ThawException("something still answers at " + settings.probe() + " after its JVM was stopped");
            }
            Thread.sleep(20);
        }
    }

    private void requirePortFree() {
        if (HttpConnection.getOnce(settings.probe(), 500) != -1) {
            throw new ThawException(ThawException.EXIT_USAGE, "something already answers at " + settings.probe()
                    + ": thaw bench starts the app itself; stop what listens there or use another port");
        }
    }

    /** The app's command with a JVM flag added right after the java executable. */
    private List<String> withJvmFlag(String flag) {
        List<String> c = new ArrayList<>(settings.command());
        c.add(1, flag);
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
