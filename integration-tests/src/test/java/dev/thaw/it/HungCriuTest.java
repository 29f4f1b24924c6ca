package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.criu.Criu;
import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A criu dump that hangs (a stuck file system, a kernel bug), played by a CRIU wrapper whose dump
 * never ends while its restores and checks are the real CRIU's: the checkpoint and the refork fail
 * after --dump-timeout with one clear line, nothing of the dump is left running, and a pool keeps
 * serving with every worker.
 */
class HungCriuTest {
    private static final Duration BOUND = Duration.ofMinutes(3);

    private Path work;
    private Path hungCriu;
    private String marker;

    @BeforeEach
    void makeHungCriu() throws Exception {
        Environment.requireCriu();
        work = Files.createTempDirectory("thaw-it-hung-criu-");
        marker = "hung-criu-dump-" + UUID.randomUUID();
        hungCriu = work.resolve("criu");
        Files.writeString(hungCriu, "#!/bin/bash\n"
                + "for a in \"$@\"; do [ \"$a\" = dump ] && { echo 'dumping...'; exec -a " + marker + " sleep 600; }; done\n"
                + "exec " + Criu.locate().binary() + " \"$@\"\n");
        Files.setPosixFilePermissions(hungCriu, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void deleteWorkDir() throws Exception {
        ProcessHandle.allProcesses().filter(this::isHungDump).forEach(ProcessHandle::destroyForcibly);
        TempFiles.delete(work);
    }

    @Test
    void a_checkpoint_whose_dump_hangs_fails_at_the_dump_timeout_and_stops_its_leader() throws Exception {
        int port = FreePort.pick();
        ThawProcess.Result r = SampleCheckpoint.run(work, work.resolve("img"), port, Map.of("THAW_CRIU", hungCriu.toString()),
                "--dump-timeout", "3");

        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("criu dump did not finish in time and was killed (timed out after 3 s"), r.output());
        assertTrue(r.output().contains("raise --dump-timeout"), r.output());
        assertEquals(0, hungDumps(), "the hung dump was killed");
        assertTrue(!Files.exists(work.resolve("img")), "no image");
        long leader = Long.parseLong(r.lines().stream().filter(l -> l.contains("leader pid ")).findFirst().orElseThrow()
                .replaceAll(".*leader pid (\\d+) connected.*", "$1"));
        assertTrue(ProcessHandle.of(leader).map(p -> !p.isAlive()).orElse(true), "the leader was stopped");
    }

    @Test
    void a_refork_whose_dump_hangs_fails_at_the_dump_timeout_and_every_worker_serves_on() throws Exception {
        int port = FreePort.pick();
        ThawProcess.Result made = SampleCheckpoint.run(work, work.resolve("img"), port, Map.of());
        assertEquals(0, made.exitCode(), made.output());
        try (Pool pool = Pool.startUnder(List.of(), Map.of("THAW_CRIU", hungCriu.toString()), work, work.resolve("img"),
                work.resolve("control.sock"), "--workers", "2", "--refork-after", "20", "--dump-timeout", "3")) {
            pool.awaitReady(2, java.util.Set.of(), BOUND);
            for (int i = 0; i < 200 && pool.thaw().count("reforking it into generation 2") == 0; i++) {
                assertEquals(200, Http.get(port, "/health").status());
            }
            pool.thaw().awaitLine("refork of .* failed: criu dump --leave-running did not finish within 3 s and was killed", BOUND);
            pool.thaw().awaitLine("serves again", BOUND);
            pool.awaitReady(2, java.util.Set.of(), BOUND);
            for (int i = 0; i < 20; i++) {
                assertEquals(200, Http.get(port, "/health").status(), "the pool serves after the failed refork");
            }
            assertEquals(0, hungDumps(), "the hung dump was killed");
            assertEquals(1, pool.status().path("imageGeneration").asLong(), "generation 1 keeps serving");
        }
    }

    private long hungDumps() {
        return ProcessHandle.allProcesses().filter(this::isHungDump).count();
    }

    private boolean isHungDump(ProcessHandle p) {
        try (Stream<String> s = Stream.of(Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")))) {
            return s.anyMatch(c -> c.startsWith(marker));
        } catch (java.io.IOException gone) {
            return false;
        }
    }
}
