package dev.thaw.leader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The memory the leader may use, as its JVM sizes a default heap from it: the limit of thaw's own cgroup (v2
 * {@code memory.max}, the leader runs in it) when there is one, else the machine's {@code MemTotal}.
 */
final class AvailableMemory {
    private AvailableMemory() {
    }

    static long bytes() {
        long total = memTotal(Path.of("/proc/meminfo")).orElse(Long.MAX_VALUE / 2);
        return cgroupLimit(Path.of("/proc/self/cgroup"), Path.of("/sys/fs/cgroup")).filter(l -> l < total).orElse(total);
    }

    static Optional<Long> memTotal(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    return Optional.of(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no figure: the caller assumes a large machine
        }
        return Optional.empty();
    }

    /** cgroup v2 only ({@code 0::/path}); "max" or no file is no limit. */
    static Optional<Long> cgroupLimit(Path procSelfCgroup, Path cgroupRoot) {
        try {
            List<String> lines = Files.readAllLines(procSelfCgroup);
            for (String line : lines) {
                if (line.startsWith("0::")) {
                    Path max = cgroupRoot.resolve(line.substring(3).replaceFirst("^/", "")).resolve("memory.max");
                    String value = Files.readString(max).trim();
                    return value.equals("max") ? Optional.empty() : Optional.of(Long.parseLong(value));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no limit that can be read
        }
        return Optional.empty();
    }
}
