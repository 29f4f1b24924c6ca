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
 * <p>The kernel likewise: the JVM and glibc probe the kernel's features once, when the leader starts
 * ({@code rseq}, {@code clone3}, {@code MADV_POPULATE_WRITE}, {@code membarrier}'s commands...), and a
 * restored worker goes on calling what they found. On an older kernel those calls fail or are missing
 * (ENOSYS, EINVAL) at whatever moment the code first needs them. A newer kernel keeps what older ones
 * had, and CRIU restores across kernels that have what the image uses. So the rule is by
 * {@code major.minor}, numerically: an image made on a newer kernel than this host's is refused; the
 * same or an older one runs ({@link #kernelNewerThan}).
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

    /** {@code major.minor} of a kernel release, as a comparable pair. */
    public record KernelVersion(int major, int minor) implements Comparable<KernelVersion> {
        private static final java.util.regex.Pattern RELEASE = java.util.regex.Pattern.compile("(\\d{1,4})\\.(\\d{1,4})(?:[^0-9].*)?");

        /**
         * The version at the start of a release ({@code 6.18.44-fc-v657}, {@code 5.15.0-91-generic}: 6.18, 5.15);
         * empty when the release does not begin with {@code major.minor} (a host whose /proc could not be read
         * records {@code unknown}).
         */
        public static java.util.Optional<KernelVersion> parse(String release) {
            if (release == null) {
                return java.util.Optional.empty();
            }
            var m = RELEASE.matcher(release.strip());
            return m.matches() ? java.util.Optional.of(new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))))
                    : java.util.Optional.empty();
        }

        @Override
        public int compareTo(KernelVersion o) {
            return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
        }

        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    /**
     * This image's kernel, when it is newer ({@code major.minor}) than {@code here}'s: the image may use
     * what {@code here} lacks. Empty when it is the same or older, and when either release is not
     * {@code major.minor...}: an unreadable record proves nothing either way, and is treated as an image
     * from a thaw that recorded no host (the CPU is still compared).
     */
    public java.util.Optional<KernelVersion> kernelNewerThan(HostFingerprint here) {
        var made = KernelVersion.parse(kernel);
        var now = KernelVersion.parse(here.kernel());
        if (made.isEmpty() || now.isEmpty() || made.get().compareTo(now.get()) <= 0) {
            return java.util.Optional.empty();
        }
        return made;
    }

    /** The CPU flags of this image's host that {@code here} lacks; empty when it can run the image's code. */
    public Set<String> flagsMissingOn(HostFingerprint here) {
        Set<String> missing = new TreeSet<>(cpuFlags);
        missing.removeAll(here.cpuFlags());
        return missing;
    }
}
