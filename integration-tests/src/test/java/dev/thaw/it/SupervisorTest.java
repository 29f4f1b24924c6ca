package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.Http;
import dev.thaw.testkit.FreePort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * thaw run as an arbiter, under real HTTP load on loopback: crashes, hangs, rolling restarts,
 * scaling and graceful stop. Every loop is bounded in count and time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SampleAppImageExtension.class)
class SupervisorTest {
    /** How long a replacement may take to serve on this shared 2-core box (restores take ~0.2-1 s). */
    private static final Duration REPLACEMENT_BOUND = Duration.ofSeconds(5);

    private Path work;
    private Path image;
    private Path socket;
    private int port;
    private Pool pool;

    @BeforeAll
    void restoreFromTheSharedSampleAppImage(SampleAppImage shared) throws Exception {
        work = Files.createTempDirectory("thaw-sup-");
        image = shared.dir(); // only restored from: HUP rolls onto the same image
        socket = work.resolve("pool.sock");
        port = shared.port();
    }

    @AfterEach
    void stopPool() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }

    @AfterAll
    void removeWork() throws Exception {
        TempFiles.delete(work);
    }

    private void startPool(String... settings) throws Exception {
        pool = Pool.start(work, image, socket, settings);
    }

    private Set<Long> readyPids() throws Exception {
        return pool.readyPids();
    }

    private Set<Long> awaitReady(int n, Set<Long> gone, Duration bound) throws Exception {
        return pool.awaitReady(n, gone, bound);
    }

    private void signal(String name, long pid) throws Exception {
        Pool.signal(name, pid);
    }

    private List<Long> readyTimesMillis() {
        List<Long> times = new ArrayList<>();
        Matcher m = Pattern.compile("^thaw: worker=\\d+ gen=\\d+ pid=\\d+ ready in (\\d+) ms").matcher("");
        for (String line : pool.thaw().output().split("\n")) {
            if (m.reset(line).find()) {
                times.add(Long.parseLong(m.group(1)));
            }
        }
        return times;
    }

    /**
     * kill -9 in a loop, and after every replacement the PIDs thaw reports are checked against the
     * kernel: each is a live java process, the very JVM that answers as that worker (its start time and
     * its PID inside its namespace, from its own /whoami), and /metrics measures that process. A wrong
     * PID, which status, --max-memory and refork would act on, fails here with thaw's output.
     */
    @Test
    void workers_killed_with_SIGKILL_in_a_loop_are_replaced_and_thaw_always_names_the_real_JVM() throws Exception {
        int workers = 3;
        int loadThreads = 4;
        int kills = 30;
        int httpPort = FreePort.pick();
        startPool("--workers", Integer.toString(workers), "--http-address", "127.0.0.1:" + httpPort);
        pool.thaw().awaitLine("all 3 workers ready", Duration.ofSeconds(60));
        Set<Long> pids = awaitReady(workers, Set.of(), REPLACEMENT_BOUND);
        WorkerPids.check(pool, port, httpPort);
        List<Long> backWithinMillis = new ArrayList<>();
        try (Load load = new Load(port, "/items/7", loadThreads, Duration.ofSeconds(240))) {
            for (int i = 0; i < kills; i++) {
                long started = System.nanoTime();
                long victim = new ArrayList<>(pids).get(ThreadLocalRandom.current().nextInt(pids.size()));
                WorkerPids.requireJava(victim, pool);
                signal("KILL", victim);
                pids = awaitReady(workers, Set.of(victim), REPLACEMENT_BOUND);
                backWithinMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                WorkerPids.check(pool, port, httpPort);
                long pause = ThreadLocalRandom.current().nextLong(500, 1001);
                Thread.sleep(Math.max(0, pause - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
            }
            load.close();
            System.out.println("kill -9 chaos: pool back to " + workers + " after each kill in " + backWithinMillis
                    + " ms; restore-to-ready " + readyTimesMillis() + " ms; load " + load.report());
            assertTrue(load.ok() > 100, load.report());
            assertTrue(load.failed() <= (long) kills * loadThreads,
                    "at most the requests in flight on the killed workers may fail: " + load.report());
        }
        assertEquals(workers + kills, readyTimesMillis().size(), pool.thaw().output());
        assertEquals(kills, pool.thaw().count("exited unexpectedly, killed by SIGKILL"), "each death logged with its cause\n"
                + pool.thaw().output());
        // The test's kill -9, neither the OOM killer's nor thaw's: ruled out as memory by the cgroup's OOM kill count
        // where thaw can read it, "possibly" where it cannot, never blamed on memory outright.
        assertEquals(kills, pool.thaw().count("exited unexpectedly, killed by SIGKILL(, not by the OOM killer| \\(possibly out of memory)"),
                pool.thaw().output());
        assertTrue(readyTimesMillis().stream().allMatch(t -> t < REPLACEMENT_BOUND.toMillis()), readyTimesMillis().toString());
    }

    @Test
    void HUP_under_load_replaces_every_worker_without_failing_a_request() throws Exception {
        startPool("--workers", "2");
        pool.thaw().awaitLine("all 2 workers ready", Duration.ofSeconds(60));
        Set<Long> before = awaitReady(2, Set.of(), REPLACEMENT_BOUND);
        try (Load load = new Load(port, "/items/7", 4, Duration.ofSeconds(60))) {
            Thread.sleep(1000);
            signal("HUP", pool.thaw().process().pid());
            awaitReady(2, before, Duration.ofSeconds(30));
            pool.thaw().awaitLine("pid=" + before.iterator().next() + " exited \\(rolling restart\\)", Duration.ofSeconds(30));
            Thread.sleep(1000);
            load.close();
            System.out.println("HUP under load: " + load.report());
            assertTrue(load.ok() > 100, load.report());
            assertEquals(0, load.failed(), load.report());
        }
    }

    /**
     * Ctrl-C in a shell, timeout, systemd's KillMode=control-group and kill -- -PGID signal thaw's whole
     * process group: only thaw may get it, or every worker dies at once and the roll has nothing to roll.
     */
    @Test
    void HUP_to_thaws_process_group_rolls_the_workers_instead_of_killing_them() throws Exception {
        pool = Pool.startUnder(List.of("setsid"), Map.of(), work, image, socket, "--workers", "2");
        pool.thaw().awaitLine("all 2 workers ready", Duration.ofSeconds(60));
        Set<Long> before = awaitReady(2, Set.of(), REPLACEMENT_BOUND);
        long group = pool.thaw().process().pid(); // setsid made thaw the leader of its own group
        try (Load load = new Load(port, "/items/7", 2, Duration.ofSeconds(60))) {
            Thread.sleep(500);
            assertEquals(0, new ProcessBuilder("kill", "-HUP", "--", "-" + group).start().waitFor());
            pool.thaw().awaitLine("received SIGHUP: rolling restart of 2 workers", Duration.ofSeconds(10));
            awaitReady(2, before, Duration.ofSeconds(30));
            load.close();
            assertEquals(0, load.failed(), load.report());
        }
        assertEquals(0, pool.thaw().count("exited unexpectedly"), pool.thaw().output());
    }

    @Test
    void a_request_hung_past_the_timeout_gets_its_worker_replaced_while_the_other_keeps_serving() throws Exception {
        startPool("--workers", "2", "--timeout", "3", "--graceful-timeout", "2");
        pool.thaw().awaitLine("all 2 workers ready", Duration.ofSeconds(60));
        Set<Long> before = awaitReady(2, Set.of(), REPLACEMENT_BOUND);
        CompletableFuture<?> hung = CompletableFuture.runAsync(() -> {
            try {
                Http.get(port, "/sleep?ms=60000");
            } catch (Exception expected) {
                // its worker is killed
            }
        });
        try (Load load = new Load(port, "/items/7", 2, Duration.ofSeconds(60))) {
            pool.thaw().awaitLine("timeout: a request has run for \\d+ ms \\(timeout 3000 ms\\): replacing it", Duration.ofSeconds(20));
            pool.thaw().awaitLine("ready in \\d+ ms \\(replacing pid", Duration.ofSeconds(20));
            Set<Long> after = awaitReady(2, Set.of(), REPLACEMENT_BOUND);
            assertEquals(1, after.stream().filter(before::contains).count(), "exactly one worker replaced: " + before + " -> " + after);
            load.close();
            System.out.println("hung request: " + load.report());
            assertTrue(load.ok() > 50, load.report());
            assertTrue(load.failed() <= 2, "only requests caught on the hung worker may fail: " + load.report());
        }
        hung.get(30, TimeUnit.SECONDS);
    }

    @Test
    void TTIN_adds_a_worker_and_TTOU_removes_one_but_never_the_last() throws Exception {
        startPool("--workers", "1");
        pool.thaw().awaitLine("all 1 workers ready", Duration.ofSeconds(60));
        signal("TTIN", pool.thaw().process().pid());
        awaitReady(2, Set.of(), REPLACEMENT_BOUND);
        signal("TTOU", pool.thaw().process().pid());
        pool.thaw().awaitLine("stopping \\(scaled down to 1\\)", Duration.ofSeconds(10));
        awaitReady(1, Set.of(), REPLACEMENT_BOUND);
        signal("TTOU", pool.thaw().process().pid());
        pool.thaw().awaitLine("keeping 1 workers \\(must stay between 1 and 1024\\)", Duration.ofSeconds(10));
        assertEquals(1, readyPids().size());
    }

    @Test
    void TERM_lets_a_request_in_flight_finish_before_thaw_exits() throws Exception {
        startPool("--workers", "1");
        pool.thaw().awaitLine("all 1 workers ready", Duration.ofSeconds(60));
        CompletableFuture<Http.Response> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return Http.get(port, "/sleep?ms=2000");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(500);
        assertEquals(0, pool.thaw().stop(Duration.ofSeconds(30)), pool.thaw().output());
        Http.Response r = slow.get(10, TimeUnit.SECONDS);
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().contains("\"slept\":2000"), r.body());
        assertTrue(pool.thaw().output().contains("thaw: all workers stopped"), pool.thaw().output());
    }

    @Test
    void as_PID_1_of_a_container_thaw_hands_PID_1_to_tini_which_forwards_HUP_and_TERM() throws Exception {
        // unshare --pid --fork makes the launcher PID 1 of a new PID namespace, as a container entrypoint is.
        ThawProcess asInit = ThawProcess.startUnder(List.of("unshare", "--pid", "--fork", "--mount-proc"), work, Map.of(),
                "run", "--image", image.toString(), "--socket", socket.toString(), "--workers", "1");
        try (asInit) {
            asInit.awaitLine("all 1 workers ready", Duration.ofSeconds(60));
            ProcessHandle init = asInit.process().toHandle().children().findFirst().orElseThrow();
            assertTrue(init.info().command().orElse("").endsWith("tini"), "PID 1 is tini: " + init.info());
            signal("HUP", init.pid());
            asInit.awaitLine("received SIGHUP: rolling restart of 1 workers", Duration.ofSeconds(10));
            asInit.awaitLine("exited \\(rolling restart\\)", Duration.ofSeconds(30));
            signal("TERM", init.pid());
            asInit.awaitLine("thaw: all workers stopped", Duration.ofSeconds(30));
            assertTrue(asInit.process().waitFor(30, TimeUnit.SECONDS), asInit.output());
            assertEquals(0, asInit.process().exitValue(), asInit.output());
        }
    }

    @Test
    void no_worker_outlives_thaw_killed_with_SIGKILL() throws Exception {
        startPool("--workers", "2");
        pool.thaw().awaitLine("all 2 workers ready", Duration.ofSeconds(60));
        Set<Long> workers = awaitReady(2, Set.of(), REPLACEMENT_BOUND);
        signal("KILL", pool.thaw().process().pid()); // scripts/thaw execs java: this is thaw itself
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && workers.stream().anyMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))) {
            Thread.sleep(50);
        }
        assertTrue(workers.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)),
                "workers " + workers + " still alive 10 s after thaw was killed");
    }
}
