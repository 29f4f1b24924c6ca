package dev.thaw.lifecycle.guardrail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What the guardrail leaves alone: open files and sockets (by fd and what it points to, so that a closed
 * and reused fd number is judged again) and threads. In a leader that is what the JVM had open before the
 * app's main ran (the JDK's own, such as the socket pair NIO keeps for closing channels) and thaw's control
 * connection; in a test ({@code CheckpointSafetyExtension}) it is everything the test JVM had open before
 * the app started.
 */
public record Baseline(Set<String> fds, Set<Thread> threads) {
    public static final Baseline NONE = new Baseline(Set.of(), Set.of());

    public Baseline {
        fds = Set.copyOf(fds);
        threads = Set.copyOf(threads);
    }

    /** Everything open in this process right now, and every live thread. */
    public static Baseline now() {
        try {
            openTheJdksOwnFds();
            Set<String> fds = new HashSet<>();
            for (Map.Entry<Integer, String> e : OpenResources.self().fds().entrySet()) {
                fds.add(key(e.getKey(), e.getValue()));
            }
            return new Baseline(fds, Thread.getAllStackTraces().keySet());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/fd: " + e.getMessage(), e);
        }
    }

    /**
     * NIO keeps a socket pair of its own for closing channels safely, created on first use: by a socket
     * channel on JDK 25, by a file channel on JDK 17 (the guardrail's own reading of /proc would make it).
     * Using both once makes it exist before a baseline is taken, so it is never mistaken for the app's.
     */
    private static void openTheJdksOwnFds() throws IOException {
        java.nio.channels.FileChannel.open(java.nio.file.Path.of("/proc/self/stat")).close();
        java.nio.channels.SocketChannel.open().close();
    }

    /** The fds opened since {@code before} (e.g. by one connect), and no threads. */
    public Baseline fdsOpenedSince(Baseline before) {
        Set<String> added = new HashSet<>(fds);
        added.removeAll(before.fds);
        return new Baseline(added, Set.of());
    }

    /** These fds and those of {@code other}, and no threads. */
    public Baseline plusFds(Baseline other) {
        Set<String> all = new HashSet<>(fds);
        all.addAll(other.fds);
        return new Baseline(all, Set.of());
    }

    boolean covers(OpenResources.Found f) {
        return fds.contains(key(f.fd(), f.link()));
    }

    private static String key(int fd, String link) {
        return fd + "=" + link;
    }
}
