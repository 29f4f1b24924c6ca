package dev.thaw.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.pool.FakePool;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
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
        Random random = new Random(20261201);
        int connections = 0;
        try (ControlServer server = ControlServer.open(socket, pool.supervisor::post)) {
            Thread loop = Thread.ofPlatform().daemon().start(pool::runLoopUntilInterrupted);
            long deadline = System.nanoTime() + FUZZ_MILLIS * 1_000_000;
            while (System.nanoTime() < deadline && connections < MAX_CONNECTIONS) {
                sendAndClose(socket, hostileLines(random));
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

    /** A HELLO (or not), then lines that are random bytes, cut short, too long, or valid types with bad fields. */
    private static List<String> hostileLines(Random r) {
        String hello = switch (r.nextInt(4)) {
            case 0 -> ControlMessage.Hello.worker(r.nextInt(3)).encode().encode(); // a worker slot, from the wrong pid
            case 1 -> "HELLO role=worker worker=" + r.nextInt(5) + " pid=1 protocol=1";
            case 2 -> "HELLO role=cli pid=1 protocol=1";
            default -> randomLine(r);
        };
        List<String> bad = List.of(
                randomLine(r),
                "HEARTBEAT worker=0 requests=" + randomLine(r).replace(' ', '_'),
                ControlMessage.Hello.worker(0).encode().encode().substring(0, r.nextInt(10) + 1),
                "READY worker=0",
                "SCALE workers=-" + r.nextInt(1000),
                "SCALE workers=99999999999999",
                "HEARTBEAT worker=0 requests=1 inflight=0 oldest-ms=0 latency-bounds-ms=5,1 latency-cumulative=1,1 latency-count=1"
                        + " latency-sum-us=1 heap-used=1 heap-committed=1 gc-pause-ms=0 gc-count=0",
                "X".repeat(70_000),
                "READY_TO_DUMP pid=1 heap-used=%ZZ");
        return List.of(hello, bad.get(r.nextInt(bad.size())), bad.get(r.nextInt(bad.size())));
    }

    private static String randomLine(Random r) {
        byte[] b = new byte[r.nextInt(200)];
        r.nextBytes(b);
        return new String(b, StandardCharsets.ISO_8859_1).replace('\n', ' ');
    }

    private static void sendAndClose(Path socket, List<String> lines) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            for (String line : lines) {
                c.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.ISO_8859_1)));
            }
        } catch (IOException closedByThePool) {
            // the pool may close a connection before we are done: that is the point
        }
    }
}
