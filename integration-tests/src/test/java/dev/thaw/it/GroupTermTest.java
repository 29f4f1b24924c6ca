package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TERM to thaw's whole process group, as systemd's KillMode=control-group, `timeout` or
 * `kill -TERM -- -PGID` send it: the workers' helpers are in sessions of their own, so the signal
 * reaches thaw alone, which drains the workers. A request in flight finishes.
 */
@ExtendWith(SampleAppImageExtension.class)
class GroupTermTest {
    private static final Duration BOUND = Duration.ofMinutes(3);

    private Path work;

    @BeforeEach
    void makeWorkDir() throws Exception {
        Environment.requireCriu();
        work = Files.createTempDirectory("thaw-it-group-term-");
    }

    @AfterEach
    void deleteWorkDir() throws Exception {
        TempFiles.delete(work);
    }

    @Test
    void TERM_to_thaws_process_group_drains_the_workers_and_lets_a_request_in_flight_finish(SampleAppImage shared) throws Exception {
        int port = shared.port(); // only restored from
        try (Pool pool = Pool.startUnder(List.of("setsid"), Map.of(), work, shared.dir(), work.resolve("control.sock"),
                "--workers", "2")) {
            pool.awaitReady(2, Set.of(), BOUND);
            CompletableFuture<Http.Response> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.get(port, "/sleep?ms=2000", Duration.ofSeconds(30));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500);
            long group = pool.thaw().process().pid(); // setsid made thaw the leader of its own group
            assertEquals(0, new ProcessBuilder("kill", "-TERM", "--", "-" + group).start().waitFor());

            assertTrue(pool.thaw().process().waitFor(30, TimeUnit.SECONDS), "thaw stopped: " + pool.thaw().output());
            assertEquals(0, pool.thaw().process().exitValue(), pool.thaw().output());
            Http.Response r = slow.get(10, TimeUnit.SECONDS);
            assertEquals(200, r.status(), r.body());
            assertTrue(r.body().contains("\"slept\":2000"), r.body());
            String out = pool.thaw().output();
            assertTrue(out.contains("received SIGTERM: stopping 2 workers (graceful timeout"), out);
            assertTrue(out.contains("all workers stopped"), out);
            assertEquals(0, pool.thaw().count("exited unexpectedly"), out);
            assertEquals(2, pool.thaw().count("exited \\(shutdown\\)"), "each worker was drained by thaw:\n" + out);
        }
    }
}
