package dev.thaw.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The host an image was made on, as far as a restore depends on it: the kernel release and the
 * CPU's feature flags. The JVM picks its instructions for the CPU it starts on (AVX-512, SHA, BMI2...)
 * and never looks again, so a worker restored on a CPU without one of them dies with SIGILL the
 * first time its compiled code runs it. thaw refuses such a restore up front instead.
 *
 * @param cpuFlags the {@code flags} of /proc/cpuinfo, sorted
 */
public record HostFingerprint(String kernel, List<String> cpuFlags) {
    public HostFingerprint {
        cpuFlags = List.copyOf(cpuFlags);
    }

    /** This host's. */
    public static HostFingerprint current() {
        return of(Path.of("/proc"));
    }

    static HostFingerprint of(Path proc) {
        String kernel;
        List<String> flags;
        try {
            kernel = Files.readString(proc.resolve("sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            kernel = "unknown";
        }
        try (var lines = Files.lines(proc.resolve("cpuinfo"))) {
            flags = lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> List.copyOf(new TreeSet<>(Arrays.asList(l.substring(l.indexOf(':') + 1).strip().split("\\s+")))))
                    .orElse(List.of());
        } catch (IOException e) {
            flags = List.of();
        }
        return new HostFingerprint(kernel, flags);
    }

    /** The CPU flags of this image's host that {@code here} lacks; empty when it can run the image's code. */
    public Set<String> flagsMissingOn(HostFingerprint here) {
        Set<String> missing = new TreeSet<>(cpuFlags);
        missing.removeAll(here.cpuFlags());
        return missing;
    }
}
