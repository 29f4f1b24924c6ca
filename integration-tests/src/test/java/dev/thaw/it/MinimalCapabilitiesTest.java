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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * thaw needs no more than the eight capabilities docs/security.md lists ("What thaw itself needs"),
 * the deploy manifests' list: thaw started as root with only those in its bounding set (and nothing
 * inheritable or ambient) checkpoints the sample app as another user, serves from two workers in map
 * mode, and replaces them on HUP. Without SETPCAP, one of the eight, it refuses with its one line; without SYS_ADMIN,
 * it names SYS_ADMIN, not CRIU's CHECKPOINT_RESTORE.
 */
class MinimalCapabilitiesTest {
    private static final Duration BOUND = Duration.ofMinutes(3);
    private static final List<String> CAPABILITIES =
            List.of("sys_admin", "sys_ptrace", "setpcap", "setuid", "setgid", "chown", "dac_override", "kill");
    /** The same set as a CapBnd mask: bits 21, 19, 8, 7, 6, 5, 1, 0. */
    private static final String BOUNDING_MASK = "00000000002801e3";

    private AppUserWorkDir app;
    private Path work;

    @BeforeEach
    void makeWorkDir() throws Exception {
        Environment.requireCriu();
        app = AppUserWorkDir.create("thaw-it-min-caps-");
        work = app.dir();
    }

    @AfterEach
    void deleteWorkDir() throws Exception {
        app.close();
    }

    @Test
    void thaw_checkpoints_serves_and_reloads_with_only_the_documented_capabilities() throws Exception {
        int port = FreePort.pick();
        Path jar = app.jar();
        Map<String, String> env = app.env();
        List<String> only = boundedTo(CAPABILITIES);

        try (ThawProcess checkpoint = ThawProcess.startUnder(only, work, env,
                SampleCheckpoint.args(work.resolve("img"), port, 20, jar, "--user", "nobody"))) {
            assertTrue(checkpoint.process().waitFor(SampleCheckpoint.BOUND.toMillis(), TimeUnit.MILLISECONDS),
                    "thaw checkpoint did not finish:\n" + checkpoint.output());
            assertEquals(0, checkpoint.process().exitValue(), checkpoint.output());
        }

        try (Pool pool = Pool.startUnder(only, env, work, work.resolve("img"), work.resolve("control.sock"),
                "--workers", "2", "--restore-mode", "map")) {
            Set<Long> workers = pool.awaitReady(2, Set.of(), BOUND);
            List<String> thaw = status(pool.thaw().process().pid());
            assertTrue(thaw.contains("CapBnd:\t" + BOUNDING_MASK), "thaw runs with only the eight capabilities:\n" + thaw);
            for (long pid : workers) {
                List<String> worker = status(pid);
                assertTrue(worker.contains("Uid:\t65534\t65534\t65534\t65534") && worker.contains("CapEff:\t0000000000000000")
                        && worker.contains("CapBnd:\t0000000000000000"), "worker " + pid + ":\n" + worker);
            }
            assertEquals(200, Http.get(port, "/health").status());

            pool.signal("HUP");
            pool.awaitReady(2, workers, BOUND);
            assertEquals(200, Http.get(port, "/health").status());
        }

        List<String> withoutSetpcap = boundedTo(CAPABILITIES.stream().filter(c -> !c.equals("setpcap")).toList());
        try (Pool refused = Pool.startUnder(withoutSetpcap, env, work, work.resolve("img"), work.resolve("refused.sock"), "--workers", "2")) {
            Process p = refused.thaw().process();
            assertTrue(p.waitFor(BOUND.toMillis(), TimeUnit.MILLISECONDS), "thaw run without SETPCAP did not exit:\n" + refused.thaw().output());
            assertEquals(4, p.exitValue(), refused.thaw().output());
            refused.thaw().awaitLine("^thaw: error: thaw run needs root or CAP_SETPCAP ", Duration.ofSeconds(10));
        }

        // Without CHOWN, an image of another user's app cannot be served: one line, not a stack trace.
        List<String> withoutChown = boundedTo(CAPABILITIES.stream().filter(c -> !c.equals("chown")).toList());
        try (Pool refused = Pool.startUnder(withoutChown, env, work, work.resolve("img"), work.resolve("no-chown.sock"), "--workers", "2")) {
            Process p = refused.thaw().process();
            assertTrue(p.waitFor(BOUND.toMillis(), TimeUnit.MILLISECONDS), "thaw run without CHOWN did not exit:\n" + refused.thaw().output());
            assertEquals(4, p.exitValue(), refused.thaw().output());
            refused.thaw().awaitLine("^thaw: error: cannot give the control socket .* to --user 65534 .*: thaw needs CAP_CHOWN",
                    Duration.ofSeconds(10));
            assertTrue(!refused.thaw().output().contains("internal error"), refused.thaw().output());
        }
    }

    /**
     * Without SYS_ADMIN, 'criu check' fails and CRIU suggests 'setcap cap_checkpoint_restore+eip criu', which would not
     * let thaw run (it needs SYS_ADMIN for the workers' PID namespaces): thaw names SYS_ADMIN, with or without
     * CHECKPOINT_RESTORE in its place, before any leader starts.
     */
    @Test
    void thaw_checkpoint_without_sys_admin_asks_for_it_and_not_for_checkpoint_restore() throws Exception {
        List<String> withoutSysAdmin = CAPABILITIES.stream().filter(c -> !c.equals("sys_admin")).toList();
        List<String> checkpointRestoreInstead = new java.util.ArrayList<>(withoutSysAdmin);
        checkpointRestoreInstead.add("checkpoint_restore");
        for (List<String> caps : List.of(withoutSysAdmin, checkpointRestoreInstead)) {
            try (ThawProcess refused = ThawProcess.startUnder(boundedTo(caps), work, Map.of(),
                    SampleCheckpoint.args(work.resolve("img"), FreePort.pick(), 1))) {
                assertTrue(refused.process().waitFor(BOUND.toMillis(), TimeUnit.MILLISECONDS), "did not exit:\n" + refused.output());
                assertEquals(4, refused.process().exitValue(), caps + ":\n" + refused.output());
                refused.awaitLine("^thaw: error: thaw checkpoint needs root or CAP_SYS_ADMIN \\(.*CAP_CHECKPOINT_RESTORE does not"
                        + " replace CAP_SYS_ADMIN for thaw\\)", Duration.ofSeconds(10));
                assertTrue(!refused.output().contains("setcap") && !refused.output().contains("leader"), caps + ":\n" + refused.output());
            }
        }
        assertTrue(!Files.exists(work.resolve("img")), "no image was made");
    }

    /** setpriv: exactly these capabilities in the bounding set (so root's permitted and effective sets), none inheritable or ambient. */
    private static List<String> boundedTo(List<String> capabilities) {
        String set = "-all," + String.join(",", capabilities.stream().map(c -> "+" + c).toList());
        return List.of("setpriv", "--inh-caps", "-all", "--ambient-caps", "-all", "--bounding-set", set, "--");
    }

    private static List<String> status(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
    }
}
