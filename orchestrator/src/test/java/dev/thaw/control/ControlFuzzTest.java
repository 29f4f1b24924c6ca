package dev.thaw.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.pool.FakePool;
import dev.thaw.testkit.HostileControlLines;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random, truncated and hostile control lines from peers, sent for a few seconds to a pool's real
 * control socket: the pool keeps serving the same workers, and the supervisor survives every one.
 */
class ControlFuzzTest {
    private static final long FUZZ_MILLIS = 3_000;
    private static final int MAX_CONNECTIONS = 2_000;

    @TempDir
    Path dir;

    @Test
    void garbage_from_any_peer_costs_that_peer_its_connection_and_the_pool_nothing() throws Exception {
        FakePool pool = new FakePool("workers", "3");
        Set<Long> serving = pool.settle().stream().map(w -> w.hostPid()).collect(Collectors.toSet());
        Path socket = dir.resolve("control.sock");
        HostileControlLines hostile = new HostileControlLines(20261201);
        int connections = 0;
        try (ControlServer server = ControlServer.open(socket, pool.supervisor::post)) {
            Thread loop = Thread.ofPlatform().daemon().start(pool::runLoopUntilInterrupted);
            long deadline = System.nanoTime() + FUZZ_MILLIS * 1_000_000;
            while (System.nanoTime() < deadline && connections < MAX_CONNECTIONS) {
                HostileControlLines.sendAndClose(socket, hostile.next());
                connections++;
            }
            loop.interrupt();
            loop.join(5_000);
            assertFalse(loop.isAlive(), "the loop ended when asked");
        }
        assertTrue(connections > 50, "fuzzed " + connections + " connections");
        assertEquals(serving, pool.ready().stream().map(w -> w.hostPid()).collect(Collectors.toSet()),
                "the same workers serve\n" + pool.log());
        assertTrue(pool.log().contains("refused a control connection claiming to be worker="), pool.log());
        assertTrue(pool.log().contains("closed the control connection of"), pool.log());
        assertEquals(3, pool.status().targetWorkers(), "no fuzzed SCALE got through as a valid one");
    }
}
