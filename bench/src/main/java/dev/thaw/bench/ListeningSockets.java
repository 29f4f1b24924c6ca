package dev.thaw.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which processes listen on a TCP port, from {@code /proc/net/tcp{,6}} and each process's fds.
 * N cold JVMs share one port with SO_REUSEPORT, so the probe answering tells nothing about the one
 * that started last: each must be listening itself before their memory means "N started JVMs".
 */
final class ListeningSockets {
    private static final String LISTEN = "0A";

    private ListeningSockets() {
    }

    /** True when the process holds a socket listening on {@code port}. */
    static boolean listens(long pid, int port) {
        Set<String> inodes = listeningInodes(port);
        if (inodes.isEmpty()) {
            return false;
        }
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.map(ListeningSockets::socketInode).anyMatch(inodes::contains);
        } catch (IOException | RuntimeException e) {
            return false; // gone
        }
    }

    /** The inodes of the sockets listening on {@code port}, IPv4 and IPv6. */
    static Set<String> listeningInodes(int port) {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                inodes.addAll(parse(Files.readAllLines(Path.of(table)), port));
            } catch (IOException e) {
                // no IPv6, or no procfs: nothing listens there as far as we can tell
            }
        }
        return inodes;
    }

    /**
     * The inodes of the LISTEN entries for {@code port} in a {@code /proc/net/tcp} table:
     * {@code sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode}.
     */
    static Set<String> parse(List<String> lines, int port) {
        Set<String> inodes = new HashSet<>();
        String hexPort = String.format(":%04X", port);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 9 && f[1].endsWith(hexPort) && LISTEN.equals(f[3])) {
                inodes.add(f[9]);
            }
        }
        return inodes;
    }

    private static String socketInode(Path fd) {
        try {
            String target = Files.readSymbolicLink(fd).toString();
            return target.startsWith("socket:[") ? target.substring(8, target.length() - 1) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
