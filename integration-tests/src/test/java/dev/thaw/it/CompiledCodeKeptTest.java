package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.FreePort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A restored worker keeps the code the leader's JIT compiled. What thaw itself runs in a worker and never
 * ran in the leader (its heartbeat, its control session) must not load the first other implementation of
 * an interface the app's compiled code took to have one (a class-hierarchy dependency): the JIT would throw
 * that code away in every worker, right after its restore, Jetty's selector loop among it. The leader logs
 * the JIT's dependency checks to stderr (unbuffered, so nothing the leader wrote surfaces in a worker), and
 * no worker may report a failed one while it serves.
 */
class CompiledCodeKeptTest {
    private static final Duration BOUND = Duration.ofMinutes(3);

    private Path work;
    private Pool pool;

    @AfterEach
    void cleanUp() throws Exception {
        if (pool != null) {
            pool.close();
        }
        TempFiles.delete(work);
    }

    @Test
    void a_restored_worker_breaks_none_of_the_jits_class_hierarchy_assumptions_of_its_leader() throws Exception {
        Environment.requireCriu();
        work = Files.createTempDirectory("thaw-jit-");
        Path image = work.resolve("image");
        int port = FreePort.pick();
        String base = "http://127.0.0.1:" + port;
        ThawProcess.Result made = ThawProcess.run(work, Map.of(), BOUND, "checkpoint", "--image", image.toString(),
                "--warmup-url", base + "/health", "--warmup-url", base + "/items/42", "--warmup-requests", "3000", "--",
                Environment.JAVA.toString(), "-Xmx256m", "-Xlog:dependencies=debug:stderr", "-Dsample.port=" + port,
                "-Dsample.dataset.mb=5", "-jar", Environment.SAMPLE_JAR.toString());
        assertEquals(0, made.exitCode(), made.output());
        assertTrue(made.output().contains("Failed dependency"), "the leader logs the JIT's failed dependencies, as the workers would:\n"
                + made.output().lines().filter(l -> !l.startsWith("leader | ")).toList());

        pool = Pool.start(work, image, work.resolve("jit.sock"), "--workers", "1");
        pool.thaw().awaitLine("all 1 workers ready", BOUND);
        Set<Long> pids = pool.awaitReady(1, Set.of(), Duration.ofSeconds(10));
        try (Load load = Load.keepAlive(port, "/items/42", 4, Duration.ofSeconds(3))) {
            Thread.sleep(3000); // three heartbeats (--heartbeat 1) under load
            assertTrue(load.ok() > 100, load.report());
        }
        List<String> failed = pool.thaw().output().lines()
                .filter(l -> l.startsWith("worker=") && (l.contains("Failed dependency") || l.contains("Marked for deoptimization")))
                .toList();
        assertEquals(List.of(), failed, pool.thaw().output());
        assertEquals(pids, pool.readyPids());
    }
}
