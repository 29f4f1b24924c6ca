package dev.thaw.criu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What restores killed mid-way leave behind next to the files the app had deleted (criu/README.md,
 * "Deleted files and restores at the same time"). CRIU recreates each such file as a <em>ghost file</em>
 * next to its original path, {@code <path>.cr.<remap id>.<tag>.ghost}, and may link it to
 * {@code <path>.cr_link.<tag>}, where the tag is 16 random hex digits (thaw's patch 0008; stock CRIU has
 * no tag). A restore removes both before it ends, but one killed with SIGKILL in between (thaw kills a
 * worker's whole namespace, criu included, e.g. a worker still restoring when the pool stops) cannot:
 * each leftover is as large as the deleted file (Netty's native library in /tmp: 97 KiB), and nothing
 * else removes it.
 *
 * <p>The names say which image's deleted file a leftover stands for, not which restore made it. A
 * leftover is stale, its owner gone, when no restore running now can have made it: its inode last
 * changed (ctime: creation, link, unlink) before every {@code criu restore} alive on the host started,
 * or longer ago than any restore may last. Only such files are removed; the ghost of a restore under
 * way is never touched, so that restore does not fail.
 */
public final class GhostLeftovers {
    /** A process's start time and a file's ctime come from different clocks' roundings (boot time in whole seconds). */
    private static final Duration SLACK = Duration.ofSeconds(2);

    private GhostLeftovers() {
    }

    /** A deleted file of the image that its restores recreate as a ghost: its path and CRIU's remap id. */
    record Ghost(Path original, long remapId) {
        /** Its ghost file's name and its remap link's name, with patch 0008's tag or without (stock CRIU). */
        Pattern leftoverName() {
            String name = Pattern.quote(original.getFileName().toString());
            return Pattern.compile(name + "(\\.cr\\." + Long.toHexString(remapId) + "(\\.[0-9a-f]{16})?\\.ghost|\\.cr_link(\\.[0-9a-f]{16})?)");
        }
    }

    /**
     * Removes the stale leftovers of this image's restores (see the class comment).
     *
     * @param criuDir the image's CRIU files ({@code files.img}, {@code remap-fpath.img})
     * @param restoreBound how long a restore may last at most ({@code --ready-timeout}: thaw kills one that takes longer)
     * @return the files removed
     */
    public static List<Path> sweep(Path criuDir, Duration restoreBound) throws IOException {
        List<Ghost> ghosts = inImage(criuDir);
        return ghosts.isEmpty() ? List.of() : sweep(ghosts, staleBefore(restoreBound));
    }

    /** Removes the leftovers of {@code ghosts} whose inode last changed before {@code staleBefore}. */
    static List<Path> sweep(List<Ghost> ghosts, Instant staleBefore) throws IOException {
        List<Path> removed = new ArrayList<>();
        for (Ghost g : ghosts) {
            Path dir = g.original().getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                continue;
            }
            Pattern name = g.leftoverName();
            List<Path> candidates;
            try (Stream<Path> files = Files.list(dir)) {
                candidates = files.filter(p -> name.matcher(p.getFileName().toString()).matches()).toList();
            }
            for (Path p : candidates) {
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && changedBefore(p, staleBefore)) {
                    try {
                        Files.delete(p); // the name itself, a link included: nothing is followed
                        removed.add(p);
                    } catch (NoSuchFileException gone) {
                        // removed meanwhile
                    }
                }
            }
        }
        return removed;
    }

    /** A leftover made before this is nobody's: before every criu restore alive now started, or past any restore's bound. */
    static Instant staleBefore(Duration restoreBound) {
        return staleBefore(restoreBound, liveRestoreStarts(), Instant.now());
    }

    static Instant staleBefore(Duration restoreBound, List<Instant> liveRestoreStarts, Instant now) {
        Instant pastAnyRestore = now.minus(restoreBound).minus(SLACK);
        Instant beforeEveryLive = liveRestoreStarts.stream().min(Instant::compareTo).map(first -> first.minus(SLACK)).orElse(now);
        return beforeEveryLive.isAfter(pastAnyRestore) ? beforeEveryLive : pastAnyRestore;
    }

    /** When each 'criu restore' alive on this host started (thaw's workers keep theirs alive as their namespace's init). */
    static List<Instant> liveRestoreStarts() {
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.map(ProcessHandle::info)
                    .filter(i -> i.command().map(c -> c.equals("criu") || c.endsWith("/criu")).orElse(false))
                    .filter(i -> i.arguments().map(a -> List.of(a).contains("restore")).orElse(true))
                    .map(i -> i.startInstant().orElse(Instant.EPOCH)) // unknown start: assume it is old, keep everything young
                    .toList();
        }
    }

    private static boolean changedBefore(Path p, Instant instant) {
        try {
            return ((FileTime) Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS)).toInstant().isBefore(instant);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * The ghost files of an image: each {@code GHOST} entry of {@code remap-fpath.img} (orig_id = 1, remap_id = 2,
     * remap_type = 3) names, by its orig_id, a regular file of {@code files.img} ({@code file_entry}: id = 2, reg = 3;
     * {@code reg_file_entry}: name = 6). Both are CRIU images: two magic numbers, then entries, each a 32-bit length
     * and a protobuf message. Empty when the image has none, or they cannot be read.
     */
    static List<Ghost> inImage(Path criuDir) {
        try {
            Map<Long, Long> ghostRemaps = new HashMap<>(); // orig_id -> remap_id
            for (ByteBuffer e : CriuImageFile.entries(criuDir.resolve("remap-fpath.img"))) {
                Map<Integer, Object> f = CriuImageFile.fields(e);
                if (Long.valueOf(1).equals(f.get(3)) && f.get(1) instanceof Long orig && f.get(2) instanceof Long remap) {
                    ghostRemaps.put(orig, remap);
                }
            }
            if (ghostRemaps.isEmpty()) {
                return List.of();
            }
            List<Ghost> ghosts = new ArrayList<>();
            for (ByteBuffer e : CriuImageFile.entries(criuDir.resolve("files.img"))) {
                Map<Integer, Object> f = CriuImageFile.fields(e);
                if (f.get(2) instanceof Long id && ghostRemaps.containsKey(id) && f.get(3) instanceof ByteBuffer reg
                        && CriuImageFile.fields(reg).get(6) instanceof ByteBuffer name) {
                    String path = StandardCharsets.UTF_8.decode(name).toString();
                    if (path.startsWith("/")) {
                        ghosts.add(new Ghost(Path.of(path).normalize(), ghostRemaps.get(id)));
                    }
                }
            }
            return ghosts;
        } catch (NoSuchFileException none) {
            return List.of(); // an image without deleted files has no remap-fpath.img
        } catch (IOException | RuntimeException unreadable) {
            return List.of();
        }
    }

    /** For the log: what was removed, in one line. */
    public static Optional<String> describe(List<Path> removed) {
        return removed.isEmpty() ? Optional.empty() : Optional.of("removed " + removed.size() + " ghost file"
                + (removed.size() == 1 ? "" : "s") + " left by restores killed mid-way: " + removed);
    }
}
