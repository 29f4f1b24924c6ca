package dev.thaw.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class TcpSocketsTest {
    @Test
    void a_listener_and_both_ends_of_a_connection_are_seen_with_the_side_that_holds_the_port() throws Exception {
        int port = FreePort.pick();
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress("127.0.0.1", port));
            assertTrue(TcpSockets.isListening(port));
            try (Socket client = new Socket("127.0.0.1", port); Socket accepted = listener.accept()) {
                assertEquals(2, TcpSockets.heldWithLocalPort(port).size(), "the listener and the accepted socket");
                assertEquals(3, TcpSockets.heldTouchingPort(port).size(), "and the client's end");
            }
        }
        assertFalse(TcpSockets.isListening(port));
        assertEquals(0, TcpSockets.heldTouchingPort(port).size());
    }
}
