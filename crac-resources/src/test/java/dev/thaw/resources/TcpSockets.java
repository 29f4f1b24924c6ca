package dev.thaw.resources;

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
 * checkpoints the process.
 */
public final class TcpSockets {

    private static final String LISTEN = "0A";

    private TcpSockets() {
    }

    public static int freePort() {
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
    public static boolean isListening(int port) {
        return entries().stream().anyMatch(e -> e.localPort == port && e.state.equals(LISTEN));
    }

    /** Sockets bound to the local port whose file descriptor this process still holds. */
    public static List<String> openInThisProcess(int localPort) {
        Set<String> inodes = socketInodesOfThisProcess();
        List<String> open = new ArrayList<>();
        for (Entry entry : entries()) {
            if (entry.localPort == localPort && inodes.contains(entry.inode)) open.add(entry.line);
        }
        return open;
    }

    private record Entry(int localPort, String state, String inode, String line) {
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
                    String local = fields[1];
                    int port = Integer.parseInt(local.substring(local.indexOf(':') + 1), 16);
                    entries.add(new Entry(port, fields[3], fields[9], line.trim()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return entries;
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
