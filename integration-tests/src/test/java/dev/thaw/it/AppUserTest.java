package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * --user: the app never runs as root. The leader and every worker restored from its image, reforked
 * ones included, run as the given user with no capabilities at all and no_new_privs, and still serve.
 */
class AppUserTest {
    private static final Duration BOUND = Duration.ofMinutes(3);

    private AppUserWorkDir app;

    @BeforeEach
    void makeWorkDir() throws Exception {
        Environment.requireCriu();
        app = AppUserWorkDir.create("thaw-it-app-user-");
    }

    @AfterEach
    void deleteWorkDir() throws Exception {
        app.close();
    }

    @Test
    void the_leader_and_every_worker_run_as_the_given_user_without_capabilities_and_still_serve_and_refork() throws Exception {
        int port = FreePort.pick();
        Path work = app.dir();
        Map<String, String> env = app.env();
        ThawProcess.Result made = ThawProcess.run(work, env, SampleCheckpoint.BOUND,
                SampleCheckpoint.args(work.resolve("img"), port, 20, app.jar(), "--user", "nobody"));
        assertEquals(0, made.exitCode(), made.output());
        assertTrue(Files.readString(work.resolve("img/manifest.json")).contains("\"uid\" : 65534"), "the image records the app's user");

        try (Pool pool = Pool.startUnder(List.of(), env, work, work.resolve("img"), work.resolve("control.sock"), "--workers", "2",
                "--refork-after", "50")) {
            Set<Long> workers = pool.awaitReady(2, Set.of(), BOUND);
            for (long pid : workers) {
                assertUnprivileged(pid);
            }
            for (int i = 0; i < 200 && pool.thaw().count("refork: generation 2 made") == 0; i++) {
                assertEquals(200, Http.get(port, "/health").status());
            }
            pool.thaw().awaitLine("refork: generation 2 made", BOUND);
            pool.thaw().awaitLine("rolling restart: every worker has a replacement on the way", BOUND);
            Set<Long> reforked = pool.awaitReady(2, Set.of(), BOUND);
            for (long pid : reforked) {
                assertUnprivileged(pid);
            }
            assertEquals(200, Http.get(port, "/health").status());
        }
    }

    /** /proc/PID/status: every uid and gid is nobody's, every capability set is empty, no_new_privs is set. */
    private static void assertUnprivileged(long pid) throws Exception {
        List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
        String all = String.join("\n", status);
        assertTrue(status.contains("Uid:\t65534\t65534\t65534\t65534"), all);
        assertTrue(status.contains("Gid:\t65534\t65534\t65534\t65534"), all);
        for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
            assertTrue(status.contains(set + ":\t0000000000000000"), set + " of pid " + pid + ":\n" + all);
        }
        assertTrue(status.contains("NoNewPrivs:\t1"), all);
        assertTrue(status.stream().anyMatch(l -> l.startsWith("Groups:") && l.substring(7).isBlank()), "no supplementary groups:\n" + all);
    }
}
