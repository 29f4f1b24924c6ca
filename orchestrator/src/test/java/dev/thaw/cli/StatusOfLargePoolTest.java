package dev.thaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.control.ControlServer;
import dev.thaw.pool.FakePool;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 'thaw status' of a pool of 500 workers: its reply is far over one control line's 64 KiB, and
 * the CLI, the real control socket and the supervisor (with fake workers) must carry and render it.
 */
class StatusOfLargePoolTest {
    @TempDir
    Path dir;

    @Test
    void thaw_status_renders_every_worker_of_a_500_worker_pool() throws Exception {
        FakePool pool = new FakePool("workers", "500");
        pool.settle();
        Path socket = dir.resolve("control.sock");
        try (ControlServer server = ControlServer.open(socket, pool.supervisor::post)) {
            Thread loop = Thread.ofPlatform().daemon().start(() -> pool.runLoopUntilInterrupted());
            try {
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int code = ThawCli.execute(new String[] {"status", "--socket", socket.toString()}, new PrintWriter(out, true),
                        new PrintWriter(err, true));
                assertEquals(0, code, err.toString());
                long rows = out.toString().lines().filter(l -> l.matches("\\d+ +\\d+ +1 +ready .*")).count();
                assertEquals(500, rows, out.toString().lines().limit(5).toList().toString());
                StringWriter json = new StringWriter();
                assertEquals(0, ThawCli.execute(new String[] {"status", "--socket", socket.toString(), "--json"},
                        new PrintWriter(json, true), new PrintWriter(err, true)), err.toString());
                assertTrue(json.toString().length() > 64 * 1024, "the reply is over one line's limit: " + json.toString().length());
            } finally {
                loop.interrupt();
                loop.join(5000);
            }
        }
    }
}
