package dev.thaw.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * A process's memory from {@code /proc/PID/smaps_rollup}, in bytes. RSS counts every resident page
 * the process maps, shared or not; PSS divides each page by the number of processes mapping it, so
 * the PSS of a group of processes adds up to the memory they really use together.
 */
public record ProcessMemory(long pssBytes, long rssBytes) {
    public static final ProcessMemory ZERO = new ProcessMemory(0, 0);

    /** A process's memory; {@link #ZERO} when it is gone. */
    public static ProcessMemory of(long pid) {
        try {
            return parse(Files.readString(Path.of("/proc", Long.toString(pid), "smaps_rollup")));
        } catch (IOException e) {
            return ZERO;
        }
    }

    public static ProcessMemory sum(Collection<Long> pids) {
        return pids.stream().map(ProcessMemory::of).reduce(ZERO, ProcessMemory::plus);
    }

    /** Parses smaps_rollup text: the {@code Rss:} and {@code Pss:} lines, in kB. */
    static ProcessMemory parse(String smapsRollup) {
        long pss = 0;
        long rss = 0;
        for (String line : smapsRollup.split("\n")) {
            if (line.startsWith("Pss:")) {
                pss = kilobytes(line);
            } else if (line.startsWith("Rss:")) {
                rss = kilobytes(line);
            }
        }
        return new ProcessMemory(pss, rss);
    }

    private static long kilobytes(String line) {
        String number = line.substring(line.indexOf(':') + 1).replace("kB", "").strip();
        return Long.parseLong(number) * 1024;
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
