package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.FreePort;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TERM (Kubernetes, systemd, kill) or INT (Ctrl-C) during 'thaw checkpoint': the leader, in a session
 * of its own for CRIU, is stopped with thaw, its port is free again, and no staging directory or
 * image is left. The old image, had there been one, would be untouched.
 */
class CheckpointInterruptedTest {
    private Path work;

    @BeforeEach
    void makeWorkDir() throws Exception {
        Environment.requireCriu();
        work = Files.createTempDirectory("thaw-it-interrupted-");
    }

    @AfterEach
    void deleteWorkDir() throws Exception {
        TempFiles.delete(work);
    }

    @Test
    void term_during_the_warm_up_stops_the_leader_and_leaves_nothing_behind() throws Exception {
        int port = FreePort.pick();
        Path image = work.resolve("img");
        try (ThawProcess thaw = ThawProcess.start(work, Map.of(), SampleCheckpoint.args(image, port, 10_000_000))) {
            long leader = Long.parseLong(thaw.awaitLine("leader pid (\\d+) connected", Duration.ofMinutes(2)).group(1));
            thaw.awaitLine("leader answered 200", Duration.ofMinutes(2));
            assertTrue(listening(port), "the leader serves its port during the warm-up");

            int exit = thaw.stop(Duration.ofSeconds(30));

            assertNotEquals(0, exit, thaw.output());
            assertTrue(awaitGone(leader, Duration.ofSeconds(10)), "the leader (pid " + leader + ") outlived thaw:\n" + thaw.output());
            assertFalse(listening(port), "the app's port is free again");
            assertTrue(thaw.output().contains("interrupted: stopped the leader"), thaw.output());
            try (Stream<Path> left = Files.list(work)) {
                assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("img")
                        || p.getFileName().toString().startsWith(".img")), "no image and no staging directory is left");
            }
        }
    }

    private static boolean awaitGone(long pid, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> p = ProcessHandle.of(pid);
            if (p.isEmpty() || !p.get().isAlive()) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
