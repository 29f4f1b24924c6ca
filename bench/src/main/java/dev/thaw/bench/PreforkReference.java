package dev.thaw.bench;

import dev.thaw.Bytes;
import dev.thaw.ThawException;
import dev.thaw.bench.BenchResult.Reference;
import dev.thaw.bench.BenchResult.ReferenceMemory;
import dev.thaw.leader.Progress;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The model thaw brings to the JVM, measured in the same run: a pre-fork server (gunicorn
 * {@code --preload}, unicorn, Pitchfork) that loads its app once and forks its workers from it.
 * The server is started with one worker and grown with TTIN to each worker count; each TTIN is timed
 * to the new worker's ready line, the memory of the whole tree (master and workers) is read at each
 * count, and workers killed with SIGKILL are timed to their replacement's ready line.
 *
 * <p>The server must print a line containing {@code ready pid=N} when a worker is ready to serve
 * (bench/gunicorn/gunicorn.conf.py does it from gunicorn's {@code post_worker_init} hook).
 */
final class PreforkReference {
    private static final Pattern READY = Pattern.compile("ready pid=(\\d+)");
    private static final long STEP_TIMEOUT_MILLIS = 30_000;

    private final BenchSettings settings;
    private final Progress progress;

    PreforkReference(BenchSettings settings, Progress progress) {
        this.settings = settings;
        this.progress = progress;
    }

    Reference run() throws IOException, InterruptedException {
        String command = settings.referenceCommand();
        progress.say("bench: reference pre-fork server: " + command);
        long started = System.nanoTime();
        try (LoggedProcess server = LoggedProcess.start(List.of("sh", "-c", "exec " + command),
                settings.workDir().resolve("reference.log"))) {
            require(server.await(READY, 0, TimeUnit.SECONDS.toMillis(settings.readyTimeoutSeconds())), server, "its first worker ready");
            long firstOk = awaitOk(server);
            long loadMillis = TimeUnit.NANOSECONDS.toMillis(firstOk - started);
            List<Long> spawn = new ArrayList<>();
            List<ReferenceMemory> memory = new ArrayList<>();
            int workers = 1;
            for (int n : settings.workers()) {
                while (workers < n) {
                    spawn.add(timeTo(server, "TTIN", server.pid(), "a worker added by TTIN"));
                    workers++;
                }
                memory.add(measure(server, n));
            }
            List<Long> killed = new ArrayList<>();
            for (int i = 0; i < PoolScenarios.KILLS; i++) {
                long victim = children(server).get(i % workers);
                killed.add(timeTo(server, "KILL", victim, "a replacement for worker pid " + victim + " killed with SIGKILL"));
                Thread.sleep(300);
            }
            server.stop(10);
            Reference r = new Reference(settings.referenceName(), command, loadMillis, Summary.of(spawn), Summary.of(killed), memory);
            progress.say(String.format("bench: reference: master to first 200 %d ms; TTIN to ready worker median %.0f ms; "
                    + "kill -9 to ready replacement median %.0f ms", loadMillis, r.spawnMillis().median(), r.killToReadyMillis().median()));
            return r;
        }
    }

    /** Sends a signal and returns the milliseconds until the next "ready pid=" line. */
    private long timeTo(LoggedProcess server, String signal, long pid, String what) throws IOException, InterruptedException {
        int mark = server.mark();
        long sent = System.nanoTime();
        LoggedProcess.signal(signal, pid);
        LoggedProcess.Found f = require(server.await(READY, mark, STEP_TIMEOUT_MILLIS), server, what);
        return TimeUnit.NANOSECONDS.toMillis(f.nanos() - sent);
    }

    private long awaitOk(LoggedProcess server) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.readyTimeoutSeconds());
        while (System.nanoTime() < deadline && server.isAlive()) {
            if (HttpConnection.getOnce(settings.referenceUrl(), 2000) == 200) {
                return System.nanoTime();
            }
            Thread.sleep(5);
        }
        throw new ThawException("the reference server did not answer 200 at " + settings.referenceUrl() + "; its last lines:"
                + server.tail(15));
    }

    /** Loads every worker for a moment, then sums the memory of the master and its workers. */
    private ReferenceMemory measure(LoggedProcess server, int n) throws InterruptedException {
        LoadGenerator.run(List.of(settings.referenceUrl()), settings.connections() * n, BenchSettings.MEMORY_LOAD_MILLIS);
        List<Long> workers = children(server);
        ProcessMemory master = ProcessMemory.of(server.pid());
        ProcessMemory all = ProcessMemory.sum(workers).plus(master);
        ReferenceMemory m = new ReferenceMemory(n, all.pssBytes(), all.rssBytes(), master.pssBytes());
        progress.say(String.format("bench: reference memory: master + %d workers: PSS %s (%s per worker), RSS %s", n,
                Bytes.human(m.totalPssBytes()), Bytes.human(m.perWorkerPssBytes()), Bytes.human(m.totalRssBytes())));
        return m;
    }

    private static List<Long> children(LoggedProcess server) {
        return ProcessHandle.of(server.pid()).map(h -> h.children().map(ProcessHandle::pid).sorted().toList()).orElse(List.of());
    }

    private static LoggedProcess.Found require(Optional<LoggedProcess.Found> found, LoggedProcess server, String what) {
        return found.orElseThrow(() -> new ThawException("the reference server did not log 'ready pid=' for " + what
                + " in time; its last lines:" + server.tail(15)));
    }
}
