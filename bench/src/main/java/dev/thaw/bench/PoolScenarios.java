package dev.thaw.bench;

import dev.thaw.ThawException;
import dev.thaw.bench.BenchResult.Reliability;
import dev.thaw.bench.BenchResult.Replacements;
import dev.thaw.bench.BenchResult.RollingRestart;
import dev.thaw.leader.Progress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * What an operator sees of {@code thaw run} under load, measured through its real CLI and signals:
 * a rolling restart (HUP) while clients keep sending requests, workers killed with SIGKILL, and
 * workers added with TTIN. Times come from thaw run's own log lines as they arrive, the way
 * {@code SupervisorTest} reads them. The load opens a new connection per request, so that
 * SO_REUSEPORT spreads it over every worker, old and new.
 */
final class PoolScenarios {
    static final int KILLS = 5;
    static final int ADDS = 3;
    private static final int LOAD_CONNECTIONS = 4;
    private static final long STEP_TIMEOUT_MILLIS = 30_000;
    /** thaw run's line at start, e.g. "thaw: restore mode map: workers map the image's pages ...". */
    static final Pattern RESTORE_MODE = Pattern.compile("^thaw: restore mode (\\w+)");
    private static final Pattern READY = Pattern.compile("^thaw: worker=(\\d+) gen=\\d+ pid=(\\d+) ready in (\\d+) ms");

    private final BenchSettings settings;
    private final Path image;
    private final Progress progress;

    PoolScenarios(BenchSettings settings, Path image, Progress progress) {
        this.settings = settings;
        this.image = image;
        this.progress = progress;
    }

    /**
     * Starts the pool, then measures a rolling restart, kill -9 and TTIN on it, each a scenario of its own: one that fails
     * is reported and the next still runs on the same pool. The figures go into {@code report} as each one is done.
     */
    void run(int workers, RunningReport report) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(settings.thawCommand());
        command.addAll(List.of("run", "--image", image.toString(), "--workers", Integer.toString(workers), "--restore-mode", settings.restoreMode(),
                "--socket", settings.workDir().resolve("pool.sock").toString(),
                "--http-address", "off")); // its default port may be taken by another pool on this machine; the bench reads log lines
        try (LoggedProcess pool = LoggedProcess.start(command, settings.workDir().resolve("thaw-run.log"))) {
            Optional<String> mode = report.measure(Scenario.POOL_START, () -> awaitStarted(pool, workers), m -> { });
            if (mode.isEmpty()) {
                List.of(Scenario.ROLLING_RESTART, Scenario.KILL, Scenario.TTIN).forEach(s -> report.skip(s, Scenario.POOL_START));
                return;
            }
            String restoreMode = mode.get().isEmpty() ? null : mode.get();
            report.reliability = new Reliability(workers, null, null, null, restoreMode);
            measure(workers, report, new ThawRunPool(pool));
            pool.stop(30);
        }
    }

    /** The pool's three scenarios, in order, on any {@link Pool}: the seam that lets a test make one of them fail. */
    static void measure(int workers, RunningReport report, Pool pool) throws InterruptedException {
        report.measure(Scenario.ROLLING_RESTART, () -> pool.rollingRestart(workers),
                r -> report.reliability = with(report.reliability, r, null, null));
        report.measure(Scenario.KILL, pool::killWorkers, k -> report.reliability = with(report.reliability, null, k, null));
        report.measure(Scenario.TTIN, pool::addWorkers, a -> report.reliability = with(report.reliability, null, null, a));
    }

    /** The pool's figures so far, with the ones given (non-null) added. */
    private static Reliability with(Reliability r, RollingRestart rolling, Replacements killed, Replacements added) {
        return new Reliability(r.workers(), rolling != null ? rolling : r.rolling(), killed != null ? killed : r.killed(),
                added != null ? added : r.added(), r.restoreMode());
    }

    /** What the pool scenarios do to a running pool, each returning its figures. */
    interface Pool {
        RollingRestart rollingRestart(int workers) throws Exception;

        Replacements killWorkers() throws Exception;

        Replacements addWorkers() throws Exception;
    }

    /** The real pool: thaw run driven through its signals, timed from its log lines. */
    private final class ThawRunPool implements Pool {
        private final LoggedProcess pool;

        ThawRunPool(LoggedProcess pool) {
            this.pool = pool;
        }

        @Override
        public RollingRestart rollingRestart(int workers) throws IOException, InterruptedException {
            return PoolScenarios.this.rollingRestart(pool, workers);
        }

        @Override
        public Replacements killWorkers() throws IOException, InterruptedException {
            return PoolScenarios.this.killWorkers(pool);
        }

        @Override
        public Replacements addWorkers() throws IOException, InterruptedException {
            return PoolScenarios.this.addWorkers(pool);
        }
    }

    /** Waits for thaw run's "all N workers ready"; returns the restore mode it said at start ("" when it did not). */
    private String awaitStarted(LoggedProcess pool, int workers) throws InterruptedException {
        require(pool.await(Pattern.compile("thaw: all " + workers + " workers ready"), 0,
                TimeUnit.SECONDS.toMillis(settings.readyTimeoutSeconds())), pool, "all " + workers + " workers ready");
        String mode = pool.await(RESTORE_MODE, 0, 0).map(f -> f.group(1)).orElse(null);
        progress.say("bench: thaw run --workers " + workers + ": restore mode " + (mode == null ? "not said" : mode));
        return mode == null ? "" : mode;
    }

    /** HUP under load: every worker replaced by a fresh restore, the old one drained only once its replacement is ready. */
    private RollingRestart rollingRestart(LoggedProcess pool, int workers) throws IOException, InterruptedException {
        LoadGenerator.Running load = LoadGenerator.start(settings.load(), LOAD_CONNECTIONS, 120_000,
                LoadGenerator.Reuse.NEW_CONNECTION_PER_REQUEST);
        try { // a step that fails must not leave its load running into the next scenario
            Thread.sleep(1000);
            int mark = pool.mark();
            long hup = System.nanoTime();
            pool.signal("HUP");
            List<Long> readyMillis = new ArrayList<>();
            long lastExit = hup;
            int from = mark;
            for (int i = 0; i < workers; i++) {
                LoggedProcess.Found f = require(pool.await(Pattern.compile("ready in (\\d+) ms \\(replacing pid"), from, STEP_TIMEOUT_MILLIS),
                        pool, "replacement " + (i + 1) + "/" + workers + " of the rolling restart");
                readyMillis.add(Long.parseLong(f.group(1)));
                from = f.index() + 1;
            }
            from = mark;
            for (int i = 0; i < workers; i++) {
                LoggedProcess.Found f = require(pool.await(Pattern.compile("exited \\(rolling restart\\)"), from, STEP_TIMEOUT_MILLIS),
                        pool, "old worker " + (i + 1) + "/" + workers + " exiting after the rolling restart");
                lastExit = f.nanos();
                from = f.index() + 1;
            }
            Thread.sleep(1000);
            LoadGenerator.Recording r = load.stop();
            RollingRestart result = new RollingRestart(r.successes(), r.failures(), (lastExit - hup) / 1e9, Summary.of(readyMillis));
            progress.say(String.format("bench: rolling restart (HUP) of %d workers under load: %d requests, %d failed, done in %.1f s",
                    workers, result.okRequests() + result.failedRequests(), result.failedRequests(), result.seconds()));
            return result;
        } finally {
            load.stop();
        }
    }

    /** SIGKILL to one worker at a time, under load: how long until thaw run logs its replacement ready. */
    private Replacements killWorkers(LoggedProcess pool) throws IOException, InterruptedException {
        LoadGenerator.Running load = LoadGenerator.start(settings.load(), LOAD_CONNECTIONS, 120_000,
                LoadGenerator.Reuse.NEW_CONNECTION_PER_REQUEST);
        try { // a step that fails must not leave its load running into the next scenario
            List<Long> observed = new ArrayList<>();
            List<Long> reported = new ArrayList<>();
            for (int i = 0; i < KILLS; i++) {
                Map<Integer, Long> ready = readyPids(pool);
                int slot = new ArrayList<>(ready.keySet()).get(i % ready.size());
                long victim = ready.get(slot);
                int mark = pool.mark();
                long killed = System.nanoTime();
                LoggedProcess.signal("KILL", victim);
                LoggedProcess.Found f = require(pool.await(Pattern.compile("^thaw: worker=" + slot + " gen=\\d+ pid=(\\d+) ready in (\\d+) ms"),
                        mark, STEP_TIMEOUT_MILLIS), pool, "a replacement for worker " + slot + " killed with SIGKILL");
                observed.add(TimeUnit.NANOSECONDS.toMillis(f.nanos() - killed));
                reported.add(Long.parseLong(f.group(2)));
                Thread.sleep(500);
            }
            LoadGenerator.Recording r = load.stop();
            Replacements result = new Replacements(KILLS, Summary.of(observed), Summary.of(reported), r.successes(), r.failures());
            progress.say(String.format("bench: kill -9 of a worker to a ready replacement: median %.0f ms (max %.0f ms) over %d kills; "
                            + "%d of %d requests failed", result.observedMillis().median(), result.observedMillis().max(), KILLS,
                    result.failedRequests(), result.okRequests() + result.failedRequests()));
            return result;
        } finally {
            load.stop();
        }
    }

    /** TTIN: one more worker each time, timed from the signal to its ready line. */
    private Replacements addWorkers(LoggedProcess pool) throws IOException, InterruptedException {
        List<Long> observed = new ArrayList<>();
        List<Long> reported = new ArrayList<>();
        for (int i = 0; i < ADDS; i++) {
            int mark = pool.mark();
            long sent = System.nanoTime();
            pool.signal("TTIN");
            LoggedProcess.Found f = require(pool.await(Pattern.compile("ready in (\\d+) ms$"), mark, STEP_TIMEOUT_MILLIS), pool,
                    "a worker added by TTIN");
            observed.add(TimeUnit.NANOSECONDS.toMillis(f.nanos() - sent));
            reported.add(Long.parseLong(f.group(1)));
            Thread.sleep(300);
        }
        Replacements result = new Replacements(ADDS, Summary.of(observed), Summary.of(reported), 0, 0);
        progress.say(String.format("bench: TTIN to a new ready worker: median %.0f ms", result.observedMillis().median()));
        return result;
    }

    /** The pid of the live worker in each slot, from the ready lines so far (the latest per slot wins). */
    static Map<Integer, Long> readyPids(LoggedProcess pool) {
        Map<Integer, Long> pids = new LinkedHashMap<>();
        int from = 0;
        while (true) {
            Optional<LoggedProcess.Found> f;
            try {
                f = pool.await(READY, from, 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return pids;
            }
            if (f.isEmpty()) {
                return pids;
            }
            pids.put(Integer.parseInt(f.get().group(1)), Long.parseLong(f.get().group(2)));
            from = f.get().index() + 1;
        }
    }

    private static LoggedProcess.Found require(Optional<LoggedProcess.Found> found, LoggedProcess pool, String what) {
        return found.orElseThrow(() -> new ThawException("thaw run did not log " + what + " in time; its last lines:" + pool.tail(15)));
    }
}
