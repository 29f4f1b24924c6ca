package dev.thaw.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * How many processes the kernel's OOM killer has killed in a process's memory cgroup, counted by the
 * kernel itself: {@code oom_kill} in {@code memory.events} (cgroup v2) or {@code memory.oom_control}
 * (v1). Both count every kind of OOM kill, the cgroup's own limit and the whole machine's, and include
 * the cgroup's descendants. The evidence that a worker killed by SIGKILL ran out of memory: a worker's
 * count that rose while it ran says so, one that did not rise rules it out.
 *
 * @param counter the file the count was read from
 * @param count {@code oom_kill} when it was read
 */
public record OomKills(Path counter, long count) {
    private static final Path PROC = Path.of("/proc");
    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");

    /** The count of {@code pid}'s memory cgroup now; empty when it cannot be read (no memory controller, no access, gone). */
    public static Optional<OomKills> of(long pid) {
        return of(PROC, CGROUPS, pid);
    }

    static Optional<OomKills> of(Path proc, Path cgroups, long pid) {
        List<String> lines;
        try {
            lines = Files.readAllLines(proc.resolve(Long.toString(pid)).resolve("cgroup"));
        } catch (IOException e) {
            return Optional.empty();
        }
        for (String line : lines) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            String path = f[2].startsWith("/") ? f[2].substring(1) : f[2];
            if (f[1].isEmpty()) { // v2: the unified hierarchy, mounted on /sys/fs/cgroup or, on a hybrid host, below it
                Optional<OomKills> v2 = read(cgroups.resolve(path).resolve("memory.events"))
                        .or(() -> read(cgroups.resolve("unified").resolve(path).resolve("memory.events")));
                if (v2.isPresent()) {
                    return v2;
                }
            } else if (List.of(f[1].split(",")).contains("memory")) {
                Optional<OomKills> v1 = read(cgroups.resolve("memory").resolve(path).resolve("memory.oom_control"));
                if (v1.isPresent()) {
                    return v1;
                }
            }
        }
        return Optional.empty();
    }

    /** The same counter read again; empty when it can no longer be read. */
    public Optional<OomKills> again() {
        return read(counter);
    }

    private static Optional<OomKills> read(Path file) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("oom_kill ")) {
                    return Optional.of(new OomKills(file, Long.parseLong(line.substring("oom_kill ".length()).strip())));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unreadable: no evidence either way
        }
        return Optional.empty();
    }
}
