package dev.thaw.bench;

import dev.thaw.control.ControlEvent;
import dev.thaw.control.ControlServer;
import dev.thaw.host.AppUser;
import dev.thaw.criu.CriuLog;
import dev.thaw.criu.RestoreStats;
import dev.thaw.criu.Restorer;
import dev.thaw.criu.WorkerProcess;
import dev.thaw.lifecycle.WorkerIdentity;
import dev.thaw.lifecycle.control.ControlMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts the JVMs a benchmark compares: the app's own command (cold, with or without an AOT cache)
 * and workers restored from a thaw image, and stops them. Every JVM's output goes to a log file in
 * the work directory, never to the console.
 */
final class Jvms implements AutoCloseable {
    private final Path workDir;
    private final Restorer restorer;
    private final ControlServer control;
    private final AppUser appUser;
    private final Set<Integer> ready = ConcurrentHashMap.newKeySet();
    /** When each restored worker's READY arrived (System.nanoTime) and its afterRestore time as it said. */
    private final Map<Integer, long[]> readyAt = new ConcurrentHashMap<>();
    private final Map<Integer, WorkerProcess> restored = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final List<Running> running = new ArrayList<>();

    /** @param appUser the user cold JVMs run as (thaw bench --user); null for thaw's own */
    Jvms(Path workDir, Restorer restorer, AppUser appUser) throws IOException {
        this.workDir = workDir;
        this.restorer = restorer;
        this.appUser = appUser;
        this.control = restorer == null ? null : ControlServer.open(workDir.resolve("control.sock"), this::onControl);
        if (control != null) {
            control.allow(workDir, restorer.manifest().appUser()); // restored workers run as the image's --user
        }
    }

    /** One started JVM, or one restored worker with its helpers. */
    interface Running {
        long startedNanos();

        /** The app's JVM. */
        long jvmPid();

        /** Every process it takes: the JVM, plus criu and unshare for a restored worker. */
        List<Long> pids();

        boolean isAlive();

        boolean isReady();

        /** Kills it at once and waits (bounded) until it is gone. */
        void kill();

        /** Its collections so far, from the -Xlog:gc lines on its output ({@link FirstSecondCost#GC_LOG_FLAG}). */
        List<FirstSecondCost.Gc> gcs();

        /** Why it failed to start, when known (a restored worker's first CRIU error). */
        default Optional<String> failure() {
            return Optional.empty();
        }

        /** A restored worker's stats-restore, once CRIU has written it (when its restore is done); empty for a cold JVM. */
        default Optional<RestoreStats> restoreStats() {
            return Optional.empty();
        }

        /** A restored worker: from its start until its READY arrived, and its afterRestore time as it said; empty until then. */
        default Optional<long[]> readyAndAfterRestoreMillis() {
            return Optional.empty();
        }
    }

    /** The stats of every restored worker among {@code jvms} that has them. */
    static List<RestoreStats> restoreStats(List<Running> jvms) {
        return jvms.stream().map(Running::restoreStats).flatMap(Optional::stream).toList();
    }

    /** CRIU's and the workers' account of these restores. */
    static BenchResult.RestoreFigures figures(String mode, List<Running> jvms) {
        List<long[]> ready = jvms.stream().map(Running::readyAndAfterRestoreMillis).flatMap(Optional::stream).toList();
        return BenchResult.RestoreFigures.of(mode, restoreStats(jvms), ready.stream().map(r -> r[0]).toList(),
                ready.stream().map(r -> r[1]).toList());
    }

    Running startCold(List<String> command, String logName) throws IOException {
        long started = System.nanoTime();
        Process p = new ProcessBuilder(appUser == null ? command : appUser.run(command)).redirectErrorStream(true)
                .redirectOutput(workDir.resolve(logName + ".log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        Running r = new ColdJvm(p, started, workDir.resolve(logName + ".log"));
        running.add(r);
        return r;
    }

    Running restore() throws IOException {
        return restore(restorer);
    }

    /** A worker restored from another image (of another leader setting, or another generation). */
    Running restore(Restorer from) throws IOException {
        int id = nextId.getAndIncrement();
        WorkerIdentity identity = new WorkerIdentity(id, from.manifest().generation(), Instant.now(), control.socket(),
                Duration.ofSeconds(1), Map.of(), Map.of());
        long started = System.nanoTime();
        java.util.Queue<FirstSecondCost.Gc> gcs = new java.util.concurrent.ConcurrentLinkedQueue<>();
        OutputLog log = new OutputLog(workDir.resolve("restored-" + id + ".log"));
        WorkerProcess worker = from.restore(identity, line -> {
            log.append(line);
            FirstSecondCost.Gc.parse(line).ifPresent(gcs::add);
        });
        restored.put(id, worker);
        Running r = new Restored(worker, started, gcs, log);
        running.add(r);
        return r;
    }

    /** Waits until every one is ready (restored: READY received; cold: always) or the time runs out. */
    boolean awaitReady(List<Running> jvms, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (jvms.stream().allMatch(Running::isReady)) {
                return true;
            }
            if (jvms.stream().anyMatch(j -> !j.isAlive())) {
                return false;
            }
            Thread.sleep(5);
        }
        return false;
    }

    /**
     * Waits until the JVMs have stopped working (together they use under 30% of one core over a
     * second): a cold JVM answers its first 200 long before its start-up work is done.
     */
    static boolean awaitQuiet(List<Running> jvms, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long before = ticks(jvms);
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            long now = ticks(jvms);
            if (now - before < 30) {
                return true;
            }
            before = now;
        }
        return false;
    }

    private static long ticks(List<Running> jvms) {
        return jvms.stream().mapToLong(j -> Math.max(0, ProcessMemory.cpuTicks(j.jvmPid()))).sum();
    }

    void killAll() {
        running.forEach(Running::kill);
        running.clear();
    }

    @Override
    public void close() {
        killAll();
        if (control != null) {
            control.close();
        }
    }

    /** A worker counts as ready once the kernel has named its JVM (HELLO) and it said READY. */
    private void onControl(ControlEvent event) {
        if (!(event instanceof ControlEvent.Received r)) {
            return;
        }
        WorkerProcess worker = restored.get(r.peer().workerId());
        if (worker == null) {
            return;
        }
        if (r.message() instanceof ControlMessage.Hello && worker.adopt(r.peer().credentials().pid()).isEmpty()) {
            return;
        }
        if (r.message() instanceof ControlMessage.Ready said && worker.jvm().isPresent()) {
            readyAt.put(r.peer().workerId(), new long[] {System.nanoTime(), said.afterRestoreMillis()});
            ready.add(r.peer().workerId());
        }
    }

    private static void waitGone(ProcessHandle h) {
        try {
            h.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // bounded: a process that does not die in 10 s after SIGKILL is the kernel's problem
        }
    }

    private static final class ColdJvm implements Running {
        private final Process process;
        private final long started;
        private final Path log;

        ColdJvm(Process process, long started, Path log) {
            this.process = process;
            this.started = started;
            this.log = log;
        }

        @Override
        public List<FirstSecondCost.Gc> gcs() {
            return FirstSecondCost.gcs(log);
        }

        @Override
        public long startedNanos() {
            return started;
        }

        @Override
        public long jvmPid() {
            return process.pid();
        }

        @Override
        public List<Long> pids() {
            return List.of(process.pid());
        }

        @Override
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void kill() {
            process.destroyForcibly();
            waitGone(process.toHandle());
        }
    }

    private final class Restored implements Running {
        private final WorkerProcess worker;
        private final long started;
        private final java.util.Queue<FirstSecondCost.Gc> gcs;
        private final OutputLog log;

        Restored(WorkerProcess worker, long started, java.util.Queue<FirstSecondCost.Gc> gcs, OutputLog log) {
            this.worker = worker;
            this.started = started;
            this.gcs = gcs;
            this.log = log;
        }

        @Override
        public List<FirstSecondCost.Gc> gcs() {
            return List.copyOf(gcs);
        }

        @Override
        public long startedNanos() {
            return started;
        }

        @Override
        public long jvmPid() {
            return worker.hostPid();
        }

        @Override
        public List<Long> pids() {
            List<Long> pids = new ArrayList<>();
            ProcessHandle unshare = worker.namespace().toHandle();
            pids.add(unshare.pid());
            unshare.descendants().forEach(h -> pids.add(h.pid()));
            return pids;
        }

        @Override
        public boolean isAlive() {
            return worker.isAlive();
        }

        @Override
        public boolean isReady() {
            return ready.contains(worker.workerId());
        }

        @Override
        public Optional<String> failure() {
            return CriuLog.firstError(worker.restoreLog());
        }

        @Override
        public Optional<RestoreStats> restoreStats() {
            return RestoreStats.read(worker.restoreLog().getParent());
        }

        @Override
        public Optional<long[]> readyAndAfterRestoreMillis() {
            long[] r = readyAt.get(worker.workerId());
            return r == null ? Optional.empty() : Optional.of(new long[] {TimeUnit.NANOSECONDS.toMillis(r[0] - started), r[1]});
        }

        @Override
        public void kill() {
            worker.kill();
            waitGone(worker.namespace().toHandle());
            log.close();
        }
    }
}
