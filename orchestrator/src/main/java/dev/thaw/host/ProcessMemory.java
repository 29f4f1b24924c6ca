package dev.thaw.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's memory from /proc/PID/smaps_rollup, in bytes. PSS divides each shared page among the
 * processes that share it, so it is what a worker really costs when pages are shared (a mapped
 * image, KSM). Anonymous counts the pages that are the worker's alone by construction: in a mapped
 * worker, what it wrote since its restore (copy-on-write) and what it allocated; in a copied worker,
 * also the whole copy.
 */
public record ProcessMemory(long rss, long pss, long shared, long privateBytes, long anonymous) {
    public static final ProcessMemory NONE = new ProcessMemory(0, 0, 0, 0, 0);

    /** The memory of {@code jvm}, or NONE when it is unknown or gone (also when it exited while being read). */
    public static ProcessMemory of(java.util.Optional<dev.thaw.host.HostProcess> jvm) {
        if (jvm.isEmpty()) {
            return NONE;
        }
        ProcessMemory m = of(jvm.get().pid());
        return jvm.get().isAlive() ? m : NONE;
    }

    public static ProcessMemory of(long pid) {
        if (pid <= 0) {
            return NONE;
        }
        long rss = 0;
        long pss = 0;
        long shared = 0;
        long priv = 0;
        long anonymous = 0;
        try {
            // The first line is the address range, not a number: only the named fields are parsed.
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                if (line.startsWith("Rss:")) {
                    rss = kib(line);
                } else if (line.startsWith("Pss:")) {
                    pss = kib(line);
                } else if (line.startsWith("Shared_Clean:") || line.startsWith("Shared_Dirty:")) {
                    shared += kib(line);
                } else if (line.startsWith("Private_Clean:") || line.startsWith("Private_Dirty:")) {
                    priv += kib(line);
                } else if (line.startsWith("Anonymous:")) {
                    anonymous = kib(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            return NONE; // the process is gone
        }
        return new ProcessMemory(rss * 1024, pss * 1024, shared * 1024, priv * 1024, anonymous * 1024);
    }

    private static long kib(String line) {
        String digits = line.replaceAll("[^0-9]", "");
        return digits.isEmpty() ? 0 : Long.parseLong(digits);
    }
}
