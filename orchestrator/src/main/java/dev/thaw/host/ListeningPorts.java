package dev.thaw.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a process holds a listening TCP socket on one of some ports, as the kernel says: the listening
 * sockets of its network namespace ({@code /proc/PID/net/tcp} and {@code tcp6}) whose inode is one of its
 * descriptors ({@code /proc/PID/fd}).
 */
public final class ListeningPorts {
    /** TCP_LISTEN in include/net/tcp_states.h, as /proc writes it. */
    private static final String LISTEN = "0A";

    private ListeningPorts() {
    }

    /** Empty when /proc cannot tell (the process is gone, or another user's and thaw may not read its descriptors). */
    public static Optional<Boolean> holds(long pid, Set<Integer> ports) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            Set<String> listening = new HashSet<>(listeningInodes(Files.readAllLines(proc.resolve("net/tcp")), ports));
            Path tcp6 = proc.resolve("net/tcp6");
            if (Files.exists(tcp6)) { // absent in a kernel without IPv6
                listening.addAll(listeningInodes(Files.readAllLines(tcp6), ports));
            }
            if (listening.isEmpty()) {
                return Optional.of(false);
            }
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                for (Path fd : fds) {
                    String target = readLink(fd);
                    if (target.startsWith("socket:[") && listening.contains(target.substring(8, target.length() - 1))) {
                        return Optional.of(true);
                    }
                }
            }
            return Optional.of(false);
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * The inodes of the sockets listening on one of {@code ports} in a /proc/net/tcp table, whose lines are
     * {@code sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...} after a header.
     */
    static Set<String> listeningInodes(List<String> table, Set<Integer> ports) {
        Set<String> inodes = new HashSet<>();
        for (String line : table.subList(Math.min(1, table.size()), table.size())) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length < 10 || !fields[3].equals(LISTEN)) {
                continue;
            }
            String local = fields[1];
            try {
                if (ports.contains(Integer.parseInt(local.substring(local.indexOf(':') + 1), 16))) {
                    inodes.add(fields[9]);
                }
            } catch (NumberFormatException e) {
                // not a line of the table's format: skipped
            }
        }
        return inodes;
    }

    /** A descriptor closed between the listing and the read is simply not a listener; any other failure means /proc cannot tell. */
    private static String readLink(Path fd) throws IOException {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (java.nio.file.NoSuchFileException e) {
            return "";
        }
    }
}
