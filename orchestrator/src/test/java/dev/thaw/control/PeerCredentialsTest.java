package dev.thaw.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerCredentialsTest {
    @TempDir
    Path dir;

    @Test
    void names_the_process_that_connected_not_the_one_that_accepted() throws Exception {
        Path socket = dir.resolve("s.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            // A child process connects and holds the connection open until we have asked the kernel who it is.
            Process child = new ProcessBuilder("python3", "-c",
                    "import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(10)",
                    socket.toString()).start();
            try (SocketChannel accepted = server.accept()) {
                PeerCredentials peer = PeerCredentials.of(accepted);
                assertEquals(child.pid(), peer.pid());
                assertEquals(uid(), peer.uid());
            } finally {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void names_this_process_for_a_connection_it_made_itself() throws Exception {
        Path socket = dir.resolve("t.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                 SocketChannel accepted = server.accept()) {
                assertTrue(client.isConnected());
                assertEquals(ProcessHandle.current().pid(), PeerCredentials.of(accepted).pid());
            }
        }
    }

    private static int uid() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        return Integer.parseInt(new String(id.getInputStream().readAllBytes()).strip());
    }
}
