package dev.thaw.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the host's settings and thaw's record of them live. Real pools use {@link #real()}; tests give
 * temporary directories standing in for {@code /sys} and {@code /proc/sys}.
 *
 * @param sys stands for {@code /sys}
 * @param procSys stands for {@code /proc/sys}
 * @param records the directory shared by every pool on the host: what they changed and who is still using it
 */
public record HostFiles(Path sys, Path procSys, Path records) {
    /** On tmpfs where /run is one, so a reboot, which resets every setting, also forgets the record. */
    public static final Path RECORDS = Path.of("/run/thaw/host-settings");

    public static HostFiles real() {
        return new HostFiles(Path.of("/sys"), Path.of("/proc/sys"), RECORDS);
    }

    /** A KSM setting or counter, e.g. {@code ksm("pages_to_scan")}. */
    public HostSetting ksm(String name) {
        return new HostSetting("ksm/" + name, sys.resolve("kernel/mm/ksm").resolve(name));
    }

    public boolean hasKsm() {
        return Files.isDirectory(sys.resolve("kernel/mm/ksm"));
    }

    /** A sysctl by its dotted name, e.g. {@code sysctl("net.ipv4.tcp_migrate_req")}. */
    public HostSetting sysctl(String dotted) {
        return new HostSetting(dotted, procSys.resolve(dotted.replace('.', '/')));
    }

    /**
     * This boot's identity. A record written before a reboot names values the reboot already reset
     * (and PIDs and start times that mean nothing now), so it is dropped, never applied.
     */
    public String bootId() {
        try {
            return Files.readString(procSys.resolve("kernel/random/boot_id")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * Whether thaw may write {@code file} when it gives a value back: only under the two roots, so that
     * a record edited by hand cannot make root write anywhere else.
     */
    public boolean owns(Path file) {
        Path f = file.normalize();
        return f.startsWith(sys) || f.startsWith(procSys);
    }
}
