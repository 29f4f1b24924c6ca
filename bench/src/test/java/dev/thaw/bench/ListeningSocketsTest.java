package dev.thaw.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ListeningSocketsTest {
    private static final List<String> TCP = List.of(
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0",
            "   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 100 0 0 10 0",
            "   2: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 20 4 30 10 -1",
            "   3: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0000000000000000 100 0 0 10 0");

    @Test
    void every_socket_listening_on_the_port_counts_as_with_so_reuseport_and_connections_do_not() {
        assertEquals(Set.of("111", "222"), ListeningSockets.parse(TCP, 8080));
        assertEquals(Set.of("444"), ListeningSockets.parse(TCP, 8081));
        assertEquals(Set.of(), ListeningSockets.parse(TCP, 9090));
    }

    @Test
    void a_process_listens_on_the_port_of_its_server_socket_only() throws Exception {
        long self = ProcessHandle.current().pid();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertTrue(ListeningSockets.listens(self, server.getLocalPort()));
            assertFalse(ListeningSockets.listens(self, server.getLocalPort() == 65000 ? 65001 : 65000));
        }
    }

    @Test
    void a_process_that_is_gone_listens_on_nothing() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertFalse(ListeningSockets.listens(Integer.MAX_VALUE, server.getLocalPort()));
        }
    }
}
