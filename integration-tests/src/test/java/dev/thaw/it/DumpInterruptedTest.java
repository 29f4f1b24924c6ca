package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.criu.Criu;
import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.Http;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What happens to an image when a dump is cut short or overtaken. The dumps here go through a CRIU
 * wrapper that holds every dump at a gate (a file the test creates) and then runs the real one, so
 * that the test decides what happens while a dump is under way.
 */
class DumpInterruptedTest {
    private static final Duration BOUND = Duration.ofMinutes(3);

    private Path work;
    private Path gatedCriu;
    private Path gate;
    private int port;

    @BeforeEach
    void makeGatedCriu() throws Exception {
        Environment.requireCriu();
        work = Files.createTempDirectory("thaw-it-dump-interrupted-");
        gate = work.resolve("gate");
        gatedCriu = work.resolve("gated-criu");
        Files.writeString(gatedCriu, "#!/bin/bash\n"
                + "for a in \"$@\"; do if [ \"$a\" = dump ]; then\n"
                + "  for i in $(seq 1200); do [ -e " + gate + " ] && break; sleep 0.1; done\n"
                + "  exec " + Criu.locate().binary() + " \"$@\"\n"
                + "fi; done\n"
                + "exec " + Criu.locate().binary() + " \"$@\"\n");
        Files.setPosixFilePermissions(gatedCriu, PosixFilePermissions.fromString("rwxr-xr-x"));
        port = FreePort.pick();
        ThawProcess.Result first = ThawProcess.run(work, Map.of(), BOUND, checkpoint());
        assertEquals(0, first.exitCode(), first.output());
    }

    @AfterEach
    void deleteWorkDir() throws Exception {
        Files.writeString(gate, "open");
        TempFiles.delete(work);
    }

    @Test
    void thaw_killed_during_a_dump_leaves_no_process_and_the_next_start_cleans_up_and_serves_the_last_good_image() throws Exception {
        long leader;
        try (ThawProcess thaw = ThawProcess.start(work, Map.of("THAW_CRIU", gatedCriu.toString()), checkpoint("--force"))) {
            leader = Long.parseLong(thaw.awaitLine("leader pid (\\d+) connected", BOUND).group(1));
            thaw.awaitLine("dumping leader pid", BOUND);
            assertEquals(1, stagingDirectories().size(), "the dump writes into a staging directory");
            thaw.process().toHandle().destroyForcibly(); // kill -9: no shutdown hook runs
            thaw.process().waitFor();
        }
        assertTrue(gone(leader), "the leader died with thaw (pid " + leader + ")");
        assertTrue(processesRunning(gatedCriu.toString()).isEmpty(), "the dump died with thaw: " + processesRunning(gatedCriu.toString()));

        try (Pool pool = Pool.start(work, work.resolve("img"), work.resolve("control.sock"), "--workers", "1")) {
            pool.awaitReady(1, Set.of(), BOUND);
            assertEquals(200, Http.get(port, "/health").status());
            assertEquals(1, pool.status().path("imageGeneration").asLong());
            assertEquals(List.of(), stagingDirectories(), "the dead checkpoint's staging directory was removed at start");
        }
    }

    @Test
    void a_refork_overtaken_by_a_newer_checkpoint_is_dropped_and_the_newer_image_is_served_after_HUP() throws Exception {
        try (Pool pool = Pool.startUnder(List.of(), Map.of("THAW_CRIU", gatedCriu.toString()), work, work.resolve("img"),
                work.resolve("control.sock"), "--workers", "2", "--refork-after", "20")) {
            pool.awaitReady(2, Set.of(), BOUND);
            for (int i = 0; i < 200 && pool.thaw().count("ready to dump: criu dump --leave-running") == 0; i++) {
                Http.get(port, "/health");
                Thread.sleep(i < 50 ? 0 : 100);
            }
            pool.thaw().awaitLine("ready to dump: criu dump --leave-running", BOUND); // the refork's dump waits at the gate

            ThawProcess.Result newer = ThawProcess.run(work, Map.of(), BOUND, checkpoint("--force", "--private-network"));
            assertEquals(0, newer.exitCode(), newer.output());
            String newerMade = Files.readString(work.resolve("img/manifest.json")).replaceAll("(?s).*\"createdAt\" *: *\"([^\"]+)\".*", "$1");

            Files.writeString(gate, "open"); // the refork's dump goes on, and finds a newer image in place
            pool.thaw().awaitLine("the newer image is kept and this one is dropped", BOUND);
            pool.thaw().awaitLine("serves again", BOUND);
            assertTrue(Files.readString(work.resolve("img/manifest.json")).contains(newerMade), "the newer image is in place");

            Pool.signal("HUP", pool.thaw().process().pid());
            pool.thaw().awaitLine("received SIGHUP: new image in .* made " + newerMade.replace(".", "\\.") , BOUND);
            pool.thaw().awaitLine("rolling restart: every worker has a replacement on the way", BOUND);
            for (int i = 0; i < 20; i++) {
                assertEquals(200, Http.get(port, "/health").status());
            }
        }
    }

    private String[] checkpoint(String... more) {
        return SampleCheckpoint.args(work.resolve("img"), port, 20, more);
    }

    private List<Path> stagingDirectories() throws IOException {
        try (Stream<Path> s = Files.list(work)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".img.staging-")).toList();
        }
    }

    private static boolean gone(long pid) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            Optional<ProcessHandle> p = ProcessHandle.of(pid);
            if (p.isEmpty() || !p.get().isAlive()) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static List<Long> processesRunning(String path) throws InterruptedException {
        List<Long> found = List.of();
        for (int i = 0; i < 50; i++) { // the kernel delivers the parent-death signal at once; give the exits a moment
            found = ProcessHandle.allProcesses().filter(p -> {
                try {
                    return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).contains(path);
                } catch (IOException gone) {
                    return false;
                }
            }).map(ProcessHandle::pid).toList();
            if (found.isEmpty()) {
                return found;
            }
            Thread.sleep(100);
        }
        return found;
    }
}
