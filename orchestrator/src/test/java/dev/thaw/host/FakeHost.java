package dev.thaw.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Temporary directories standing in for /sys, /proc/sys and /run/thaw/host-settings, and pools that are alive or not. */
final class FakeHost {
    final HostFiles files;
    final Set<String> alive = new HashSet<>();
    final List<String> log = new ArrayList<>();

    FakeHost(Path root) throws IOException {
        files = new HostFiles(root.resolve("sys"), root.resolve("proc-sys"), root.resolve("run/thaw/host-settings"));
        write(files.sysctl("kernel.random.boot_id"), "boot-1");
        write(files.ksm("run"), "0");
        write(files.ksm("pages_to_scan"), "100");
        write(files.ksm("sleep_millisecs"), "20");
        write(files.ksm("pages_sharing"), "0");
        write(files.ksm("full_scans"), "0");
        write(files.sysctl("net.ipv4.tcp_migrate_req"), "0");
    }

    /** A pool that is alive until {@link #crash} or its close. */
    HostSettings pool(String tag) throws IOException {
        alive.add(tag);
        return HostSettings.claim(files, tag, alive::contains, log::add);
    }

    void crash(String tag) {
        alive.remove(tag);
    }

    void write(HostSetting s, String value) {
        try {
            Files.createDirectories(s.file().getParent());
            Files.writeString(s.file(), value + "\n"); // the kernel prints values with a newline
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String read(HostSetting s) {
        try {
            return Files.readString(s.file()).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void reboot() {
        write(files.sysctl("kernel.random.boot_id"), "boot-2");
    }
}
