package dev.thaw.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the kernel says about TCP sockets, read from /proc: the same facts CRIU will find when it
 * checkpoints the process. (A copy of crac-resources' test helper, extended to remote ports; sharing it
 * through a test-jar would break builds that skip compiling tests.)
 */
final class TcpSockets {

    private static final String LISTEN = "0A";

    private TcpSockets() {
    }

    static int freePort() {
        // Below the kernel's ephemeral range (32768-60999): a port from bind(0) can be taken by any
        // outgoing connection in the gap between this check and the server's own bind.
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int candidate = random.nextInt(20_000, 32_000);
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new java.net.InetSocketAddress("127.0.0.1", candidate));
                return candidate;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port between 20000 and 32000");
    }

    /** Whether any socket in this network namespace listens on the port. */
    static boolean isListening(int port) {
        return entries().stream().anyMatch(e -> e.localPort == port && e.state.equals(LISTEN));
    }

    /** Sockets with the port at either end (server or client side) whose descriptor this process holds. */
    static List<String> openInThisProcess(int port) {
        Set<String> inodes = socketInodesOfThisProcess();
        List<String> open = new ArrayList<>();
        for (Entry entry : entries()) {
            boolean touchesPort = entry.localPort == port || entry.remotePort == port;
            if (touchesPort && inodes.contains(entry.inode)) open.add(entry.line);
        }
        return open;
    }

    private record Entry(int localPort, int remotePort, String state, String inode, String line) {
    }

    private static List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.exists(path)) continue;
            try {
                List<String> lines = Files.readAllLines(path);
                for (String line : lines.subList(1, lines.size())) {
                    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
                    String[] fields = line.trim().split("\\s+");
                    entries.add(new Entry(port(fields[1]), port(fields[2]), fields[3], fields[9], line.trim()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return entries;
    }

    /** The port of a /proc address such as {@code 0100007F:1F90}. */
    private static int port(String address) {
        return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
    }

    private static Set<String> socketInodesOfThisProcess() {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) inodes.add(target.substring(8, target.length() - 1));
                } catch (IOException closedMeanwhile) {
                    // The descriptor was closed while listing: not open any more.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return inodes;
    }
}
