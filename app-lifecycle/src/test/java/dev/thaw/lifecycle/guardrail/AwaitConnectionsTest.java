package dev.thaw.lifecycle.guardrail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AwaitConnectionsTest {
    @Test
    void counts_this_processs_tcp_connections_and_waits_until_they_close() throws Exception {
        int before = Guardrail.awaitNoTcpConnections(Duration.ZERO);
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
            Socket accepted = listener.accept();
            assertEquals(before + 2, Guardrail.awaitNoTcpConnections(Duration.ofMillis(50)), "both ends, still open after the wait");
            Thread closer = new Thread(() -> {
                try {
                    Thread.sleep(200);
                    client.close();
                    accepted.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            closer.start();
            long started = System.nanoTime();
            assertEquals(before, Guardrail.awaitNoTcpConnections(Duration.ofSeconds(10)), "closed while it waited");
            assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos(), "returned once they closed, not at the bound");
            closer.join();
        }
    }
}
