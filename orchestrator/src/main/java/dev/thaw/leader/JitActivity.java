package dev.thaw.leader;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much CPU the leader's JIT compilers have used, read from the kernel's account of its threads
 * ({@code /proc/PID/task/TID/stat}), so that the warm-up can go on until the JIT has settled without
 * anything in the app to ask. HotSpot names its compiler threads "C1 CompilerThreadN" and
 * "C2 CompilerThreadN" (the kernel keeps 15 characters: "C2 CompilerThre"). Threads HotSpot has
 * retired since (it stops idle compiler threads) are no longer counted, which only ever makes the
 * JIT look quieter than it was, and an idle JIT is what retiring them means.
 */
final class JitActivity {
    /** USER_HZ, the unit of utime and stime: 100 on every Linux of today. */
    private static final long TICKS_PER_SECOND = 100;
    private final Path tasks;

    JitActivity(long pid) {
        this(Path.of("/proc", Long.toString(pid), "task"));
    }

    JitActivity(Path tasks) {
        this.tasks = tasks;
    }

    /** CPU time (user and system) of the compiler threads alive now, in ms; 0 once the process is gone. */
    long compilerCpuMillis() {
        long ticks = 0;
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
            for (Path thread : threads) {
                ticks += compilerTicks(thread.resolve("stat"));
            }
        } catch (IOException e) {
            return 0; // the leader is gone: its exit is reported where it is waited for
        }
        return ticks * 1000 / TICKS_PER_SECOND;
    }

    private static long compilerTicks(Path stat) {
        try {
            return compilerTicks(Files.readString(stat));
        } catch (IOException e) {
            return 0; // the thread ended between the listing and the read
        }
    }

    /** utime + stime of one thread's stat line if it is a compiler thread, else 0. */
    static long compilerTicks(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return 0;
        }
        String name = stat.substring(open + 1, close);
        if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) {
            return 0;
        }
        // After ") ": state is field 0, utime 11, stime 12 (fields 14 and 15 of proc(5)).
        String[] f = stat.substring(close + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
