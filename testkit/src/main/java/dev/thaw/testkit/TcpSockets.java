package dev.thaw.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * What the kernel says about TCP sockets, read from /proc/self/net/tcp and tcp6 (this network
 * namespace) and /proc/self/fd: the same facts CRIU finds when it checkpoints a process.
 */
public final class TcpSockets {
    /** TCP_LISTEN in include/net/tcp_states.h, as /proc writes it. */
    private static final String LISTEN = "0A";

    private TcpSockets() {
    }

    /** One line of /proc/net/tcp: {@code sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...}. */
    private record Entry(int localPort, int remotePort, String state, String inode, String line) {
        static Entry parse(String line) {
            String[] fields = line.trim().split("\\s+");
            return new Entry(port(fields[1]), port(fields[2]), fields[3], fields[9], line.trim());
        }

        /** The port of an address such as {@code 0100007F:1F90}. */
        private static int port(String address) {
            return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
        }
    }

    /** Whether any socket in this network namespace, of any process, listens on the port. */
    public static boolean isListening(int port) {
        return entries().stream().anyMatch(e -> e.localPort() == port && e.state().equals(LISTEN));
    }

    /** Sockets bound to the port on this side (a server's) whose descriptor this process holds, as /proc lines. */
    public static List<String> heldWithLocalPort(int port) {
        return heldByThisProcess(e -> e.localPort() == port);
    }

    /** Sockets with the port at either end (a server's or a client's) whose descriptor this process holds. */
    public static List<String> heldTouchingPort(int port) {
        return heldByThisProcess(e -> e.localPort() == port || e.remotePort() == port);
    }

    private static List<String> heldByThisProcess(Predicate<Entry> wanted) {
        Set<String> inodes = socketInodesOfThisProcess();
        List<String> held = new ArrayList<>();
        for (Entry entry : entries()) {
            if (wanted.test(entry) && inodes.contains(entry.inode())) {
                held.add(entry.line());
            }
        }
        return held;
    }

    private static List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.exists(path)) {
                continue; // no IPv6 in this kernel
            }
            try {
                List<String> lines = Files.readAllLines(path);
                lines.subList(1, lines.size()).forEach(line -> entries.add(Entry.parse(line)));
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
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
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
