package dev.thaw.host;

import dev.thaw.FileTrees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The working directory of one {@code thaw run} ({@code $TMPDIR/thaw-run-N}: the workers' restore logs, CRIU's
 * kdat cache, refork dumps' logs). A run removes it when it ends; a run that is killed cannot, and tests kill
 * many. So each directory names its run in an {@value #OWNER} file (the process's PID and start time, its PID
 * namespace and the boot), and every {@code thaw run} first removes the directories of runs that are gone.
 *
 * <p>What is never removed: the directory of a run alive now; one whose owner cannot be told (no owner file,
 * from a thaw before this one, or one made in another PID namespace); anything but a real directory owned by
 * this user (a symlink is not followed); and, for {@link #KEPT_FOR}, the restore logs a failed run said it kept.
 */
public final class RunDirectory {
    static final String PREFIX = "thaw-run-";
    static final String OWNER = "owner";
    static final String KEPT = "kept";
    /** How long the logs of a failed run stay, once it told the user where they are. */
    static final Duration KEPT_FOR = Duration.ofDays(7);
    /** createTempDirectory's names: the prefix and a random number. */
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "[0-9]+");
    private static final int MAX_OWNER_BYTES = 256;

    private final Path dir;

    private RunDirectory(Path dir) {
        this.dir = dir;
    }

    /** A new run directory under {@code java.io.tmpdir}, owned by this process from the start. */
    public static RunDirectory create() throws IOException {
        Path dir = Files.createTempDirectory(PREFIX);
        Files.writeString(dir.resolve(OWNER), Owner.self().line());
        return new RunDirectory(dir);
    }

    public Path path() {
        return dir;
    }

    /** The run failed and told the user its logs are here: they stay {@link #KEPT_FOR}, even though the run is gone. */
    public void keep() {
        try {
            Files.writeString(dir.resolve(KEPT), Instant.now().toString());
        } catch (IOException e) {
            // then they go at the next run's sweep, like those of a killed run
        }
    }

    /** Removes what the run leaves, when it ends cleanly. */
    public void remove() throws IOException {
        FileTrees.delete(dir);
    }

    /** The run directories under {@code java.io.tmpdir} whose runs are gone, removed; returns them. Never throws. */
    public static List<Path> sweepStale() {
        return sweepStale(Path.of(System.getProperty("java.io.tmpdir")), Owner.self(), Instant.now());
    }

    static List<Path> sweepStale(Path tmp, Owner self, Instant now) {
        List<Path> candidates;
        try (Stream<Path> entries = Files.list(tmp)) {
            candidates = entries.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        int uid = HostProcess.selfUid();
        List<Path> removed = new ArrayList<>();
        for (Path dir : candidates) {
            try {
                if (isOwnDirectory(dir, uid) && stale(dir, uid, self, now)) {
                    FileTrees.delete(dir);
                    removed.add(dir);
                }
            } catch (IOException | RuntimeException e) {
                // left for a later run: a sweep never fails the one starting
            }
        }
        return removed;
    }

    private static boolean stale(Path dir, int uid, Owner self, Instant now) throws IOException {
        Optional<Owner> owner = readOwner(dir.resolve(OWNER), uid);
        if (owner.isEmpty() || !owner.get().goneFor(self)) {
            return false;
        }
        Path kept = dir.resolve(KEPT);
        if (Files.exists(kept, LinkOption.NOFOLLOW_LINKS)) {
            FileTime keptAt = Files.getLastModifiedTime(kept, LinkOption.NOFOLLOW_LINKS);
            return keptAt.toInstant().plus(KEPT_FOR).isBefore(now);
        }
        return true;
    }

    /** A real directory (not a symlink to one) owned by {@code uid}. */
    private static boolean isOwnDirectory(Path p, int uid) throws IOException {
        return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) == uid;
    }

    /** The owner file, if it is a regular file of this user's that parses; a symlink is not opened. */
    private static Optional<Owner> readOwner(Path file, int uid) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                || (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS) != uid) {
            return Optional.empty();
        }
        ByteBuffer bytes = ByteBuffer.allocate(MAX_OWNER_BYTES);
        try (SeekableByteChannel in = Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            while (bytes.hasRemaining() && in.read(bytes) > 0) {
                // bounded by the buffer
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Owner.parse(new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8));
    }

    /**
     * Who made a run directory: its process ({@link HostProcess#selfTag()}: PID and start time), its PID namespace
     * (a PID means nothing in another) and the boot (after a reboot every run of the last one is gone).
     */
    record Owner(String processTag, String pidNamespace, String bootId) {
        static Owner self() {
            return new Owner(HostProcess.selfTag(), read(() -> Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString()),
                    read(() -> Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip()));
        }

        String line() {
            return processTag + " " + pidNamespace + " " + bootId + "\n";
        }

        static Optional<Owner> parse(String line) {
            String[] fields = line.strip().split(" ");
            // only a full tag: HostProcess.ownerAlive takes anything else for a process that is gone
            if (fields.length != 3 || !fields[0].matches("[0-9]{1,19}@[0-9]{1,19}") || fields[1].isEmpty() || fields[2].isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Owner(fields[0], fields[1], fields[2]));
        }

        /**
         * True only when this owner is surely gone, seen from {@code self}: it ran in an earlier boot, or in
         * this boot and this PID namespace and its process (same PID, same start time) no longer exists.
         */
        boolean goneFor(Owner self) {
            if (bootId.equals("?") || self.bootId.equals("?")) {
                return false;
            }
            if (!bootId.equals(self.bootId)) {
                return true;
            }
            if (pidNamespace.equals("?") || !pidNamespace.equals(self.pidNamespace)) {
                return false;
            }
            return !HostProcess.ownerAlive(processTag);
        }

        private interface Source {
            String get() throws IOException;
        }

        private static String read(Source source) {
            try {
                String value = source.get();
                return value.isEmpty() || value.contains(" ") ? "?" : value;
            } catch (IOException | RuntimeException e) {
                return "?";
            }
        }
    }
}
