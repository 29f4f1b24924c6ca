package dev.thaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ListeningPortsTest {
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void a_process_holding_a_listener_on_the_port_listens_there_and_not_elsewhere() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = server.getLocalPort();

            assertEquals(Optional.of(true), ListeningPorts.holds(SELF, Set.of(port)));
            assertEquals(Optional.of(true), ListeningPorts.holds(SELF, Set.of(1, port)));
        }
    }

    @Test
    void a_client_connection_to_the_port_is_not_a_listener() throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = server.getLocalPort();
            try (Socket client = new Socket("127.0.0.1", port); Socket accepted = server.accept()) {
                server.close();

                assertEquals(Optional.of(false), ListeningPorts.holds(SELF, Set.of(port)), "connected, not listening");
            }
        }
    }

    @Test
    void a_process_that_is_gone_cannot_tell() {
        assertEquals(Optional.empty(), ListeningPorts.holds(Long.MAX_VALUE, Set.of(80)));
    }

    @Test
    void only_listening_lines_on_the_ports_count() {
        List<String> table = List.of(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0",
                "   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0 20 4 30 10 -1",
                "   2: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0 100 0 0 10 0",
                "   3: garbage");

        assertEquals(Set.of("111"), ListeningPorts.listeningInodes(table, Set.of(8080)));
        assertEquals(Set.of("111", "333"), ListeningPorts.listeningInodes(table, Set.of(8080, 8081)));
    }
}
