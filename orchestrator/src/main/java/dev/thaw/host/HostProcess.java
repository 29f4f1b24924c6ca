package dev.thaw.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One process on this host, named so that a reused PID can never pass for it: its PID plus its start
 * time (clock ticks after boot, field 22 of /proc/PID/stat, which the kernel fixes at fork and no
 * PID namespace changes). Whatever signals, measures or dumps a worker asks {@link #isAlive()} at that
 * moment: after the worker exits, its PID may belong to anyone.
 */
public record HostProcess(long pid, long startTicks) {

    /** The process with this PID now, if there is one. */
    public static Optional<HostProcess> of(long pid) {
        return readStat(pid).map(stat -> new HostProcess(pid, Long.parseLong(stat[STARTTIME])));
    }

    /** True while this very process exists: same PID and same start time. */
    public boolean isAlive() {
        return readStat(pid).map(stat -> Long.parseLong(stat[STARTTIME]) == startTicks).orElse(false);
    }

    /** Its parent's PID now; -1 when it is gone. */
    public long parentPid() {
        return readStat(pid).map(stat -> Long.parseLong(stat[PPID])).orElse(-1L);
    }

    /** True when {@code ancestor} is its parent, grandparent... (bounded: a worker's tree is four deep). */
    public boolean descendsFrom(long ancestor) {
        long p = pid;
        for (int depth = 0; depth < 16 && p > 1; depth++) {
            Optional<String[]> stat = readStat(p);
            if (stat.isEmpty()) {
                return false;
            }
            p = Long.parseLong(stat.get()[PPID]);
            if (p == ancestor) {
                return true;
            }
        }
        return false;
    }

    /** The PID it has in its own (innermost) PID namespace: the last field of NSpid. */
    public long pidInNamespace() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("NSpid:")) {
                String[] fields = line.substring("NSpid:".length()).strip().split("\\s+");
                return Long.parseLong(fields[fields.length - 1]);
            }
        }
        throw new IOException("no NSpid line in /proc/" + pid + "/status (kernel older than 4.1?)");
    }

    /** The handle to signal it with: the JDK's checks the start time too before it sends a signal. */
    public Optional<ProcessHandle> handle() {
        return ProcessHandle.of(pid).filter(h -> isAlive());
    }

    /** This JVM, named for files it owns ("{pid}@{startTicks}"), so that a reused PID never owns them. */
    /** The effective uid of this process (the owner of /proc/self): whose files thaw makes, whom it trusts. */
    public static int selfUid() {
        try {
            return (Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read /proc/self: is /proc mounted?", e);
        }
    }

    public static String selfTag() {
        return of(ProcessHandle.current().pid()).map(p -> p.pid() + "@" + p.startTicks())
                .orElse(Long.toString(ProcessHandle.current().pid()));
    }

    /**
     * Whether the owner named by a {@link #selfTag()} (or, from older thaw versions, a bare PID) still
     * runs; false for a tag that cannot be read.
     */
    public static boolean ownerAlive(String tag) {
        try {
            int at = tag.indexOf('@');
            if (at < 0) {
                return ProcessHandle.of(Long.parseLong(tag)).isPresent();
            }
            return new HostProcess(Long.parseLong(tag.substring(0, at)), Long.parseLong(tag.substring(at + 1))).isAlive();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "pid " + pid + " (started at tick " + startTicks + ")";
    }

    // Fields of /proc/PID/stat after the command name, which is in parentheses and may hold spaces:
    // index 0 is field 3 (state), so field n is at index n - 3.
    private static final int PPID = 4 - 3;
    private static final int STARTTIME = 22 - 3;

    /** The fields of a /proc stat file (a process's or a thread's) after the command name: field n at index n - 3. */
    static String[] statFields(Path stat) throws IOException {
        String text = Files.readString(stat);
        return text.substring(text.lastIndexOf(')') + 2).split(" ");
    }

    private static Optional<String[]> readStat(long pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        try {
            String[] fields = statFields(Path.of("/proc", Long.toString(pid), "stat"));
            return fields.length > STARTTIME ? Optional.of(fields) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
