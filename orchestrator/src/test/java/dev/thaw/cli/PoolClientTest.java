package dev.thaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.lifecycle.control.ControlConnection;
import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import dev.thaw.pool.PoolStatus;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PoolClientTest {
    @TempDir
    Path dir;

    @Test
    void reads_the_status_of_a_pool_of_500_workers_far_beyond_one_control_line_of_a_worker() throws Exception {
        List<PoolStatus.WorkerStatus> rows = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            rows.add(new PoolStatus.WorkerStatus(i, 100_000 + i, 1, "ready", 3600, 123_456_789, 3, 1L << 30, 1L << 29, 1L << 28,
                    1L << 27, 2, 412, 4, 1L << 29, 190, 1L << 29, 1L << 20, 1L << 26));
        }
        String json = new PoolStatus(1, "leader", 0, 500, false, rows).toJson();
        assertTrue(Message.of(MessageType.REPLY, "ok", "true", "json", json).encode().length() > Message.MAX_LINE);
        Path socket = dir.resolve("pool.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread pool = Thread.ofVirtual().start(() -> {
                try (ControlConnection c = new ControlConnection(server.accept())) {
                    c.receive(); // HELLO
                    c.receive(); // STATUS
                    c.send(Message.of(MessageType.REPLY, "ok", "true", "json", json));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            ControlMessage.Reply reply = PoolClient.request(socket, new ControlMessage.Status());
            assertEquals(500, PoolStatus.fromJson(reply.json()).workers().size());
            pool.join(5000);
        }
    }
}
