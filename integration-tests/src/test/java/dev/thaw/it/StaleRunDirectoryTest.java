package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The work directory of a thaw run killed with SIGKILL outlives it, and the next thaw run removes it. */
@ExtendWith(SampleAppImageExtension.class)
class StaleRunDirectoryTest {
    private static final Duration BOUND = Duration.ofMinutes(3);

    private Path work;

    @BeforeEach
    void makeWorkDir() throws Exception {
        Environment.requireCriu();
        work = Files.createTempDirectory("thaw-it-stale-run-dir-");
    }

    @AfterEach
    void deleteWorkDir() throws Exception {
        TempFiles.delete(work);
    }

    @Test
    void the_next_run_removes_the_work_directory_of_a_killed_run(SampleAppImage shared) throws Exception {
        shared.awaitPortFree(Duration.ofSeconds(30)); // the previous class's pool may still be going away
        Path killedRunDir;
        try (Pool killed = Pool.start(work, shared.dir(), work.resolve("killed.sock"), "--workers", "1")) {
            killed.awaitReady(1, Set.of(), BOUND);
            killedRunDir = runDirectoryOf(killed.thaw().process().pid());
            assertTrue(Files.exists(killedRunDir.resolve("worker-0/restore.log")), killedRunDir.toString());

            killed.thaw().process().destroyForcibly(); // SIGKILL: thaw cannot clean up
            assertTrue(killed.thaw().process().waitFor(30, TimeUnit.SECONDS));
        }
        shared.awaitPortFree(Duration.ofSeconds(30)); // its worker dies with it (--pdeathsig)
        assertTrue(Files.isDirectory(killedRunDir), "a killed run leaves its directory: " + killedRunDir);

        try (Pool next = Pool.start(work, shared.dir(), work.resolve("next.sock"), "--workers", "1")) {
            next.awaitReady(1, Set.of(), BOUND);

            assertFalse(Files.exists(killedRunDir), "the next run removed " + killedRunDir + ":\n" + next.thaw().output());
            assertTrue(Files.isDirectory(runDirectoryOf(next.thaw().process().pid())), "its own stays");
            assertEquals(0, next.thaw().stop(BOUND), next.thaw().output());
        }
    }

    /** The thaw-run-* directory whose owner file names the process {@code pid} (thaw's JVM: scripts/thaw execs it). */
    private static Path runDirectoryOf(long pid) throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> owned;
        try (Stream<Path> dirs = Files.list(tmp)) {
            owned = dirs.filter(d -> d.getFileName().toString().startsWith("thaw-run-"))
                    .filter(d -> {
                        try {
                            Path owner = d.resolve("owner");
                            return Files.isRegularFile(owner) && Files.readString(owner).startsWith(pid + "@");
                        } catch (Exception e) {
                            return false;
                        }
                    }).toList();
        }
        assertEquals(1, owned.size(), "one run directory owned by pid " + pid + ": " + owned);
        return owned.get(0);
    }
}
