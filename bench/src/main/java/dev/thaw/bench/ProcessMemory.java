package dev.thaw.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * The memory of a process or a group of processes, from {@code /proc/PID/smaps_rollup}, in bytes. RSS counts every resident page
 * the process maps, shared or not; PSS divides each page by the number of processes mapping it, so
 * the PSS of a group of processes adds up to the memory they really use together.
 */
public record ProcessMemory(long pssBytes, long rssBytes) {
    public static final ProcessMemory ZERO = new ProcessMemory(0, 0);

    /** A process's memory (read by the supervisor's reader of the same file); {@link #ZERO} when it is gone. */
    public static ProcessMemory of(long pid) {
        dev.thaw.host.ProcessMemory m = dev.thaw.host.ProcessMemory.of(pid);
        return new ProcessMemory(m.pss(), m.rss());
    }

    public static ProcessMemory sum(Collection<Long> pids) {
        return pids.stream().map(ProcessMemory::of).reduce(ZERO, ProcessMemory::plus);
    }

    public ProcessMemory plus(ProcessMemory other) {
        return new ProcessMemory(pssBytes + other.pssBytes, rssBytes + other.rssBytes);
    }

    /** CPU time (user + system) a process has used, in clock ticks (1/100 s on Linux); -1 when gone. */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14 and 15)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
