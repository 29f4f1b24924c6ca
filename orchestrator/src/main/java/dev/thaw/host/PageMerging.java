package dev.thaw.host;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Kernel same-page merging (KSM) for restored workers. Upstream CRIU copies every page of the image
 * into each worker, so N workers hold N private copies of the same heap. KSM merges identical pages
 * back into one copy-on-write page, the way forked workers share a preloaded master's memory.
 *
 * <p>{@link #enableForChildren()} sets {@code PR_SET_MEMORY_MERGE} on this process. The flag is
 * inherited across fork and exec, so every {@code criu restore} started afterwards, and the JVM it
 * restores, is merged without any change to the app. It also starts {@code ksmd}
 * ({@code /sys/kernel/mm/ksm/run = 1}) and raises its scan rate when it may (root):
 *
 * <pre>
 *   PageMerging.Status s = PageMerging.enableForChildren();   // before restoring workers
 *   out.println("thaw: " + s.describe());                     // "page merging on (ksmd run=1, 5000 pages every 10 ms)"
 *   ... restore workers ...
 *   PageMerging.of(workerPid).map(ProcessStats::profitBytes); // what merging saved in one worker
 * </pre>
 */
public final class PageMerging {
    /** {@code prctl} options, Linux 6.4+ (include/uapi/linux/prctl.h). */
    private static final int PR_SET_MEMORY_MERGE = 67;
    private static final int PR_GET_MEMORY_MERGE = 68;
    /** The scan rate measured to merge 4 workers of a 315 MB image within 15 s on 2 cores. */
    public static final int PAGES_TO_SCAN = 5000;
    public static final int SLEEP_MILLIS = 10;

    private static final Path KSM = Path.of("/sys/kernel/mm/ksm");

    private PageMerging() {
    }

    /** ksmd's settings: {@code run} (0 stopped, 1 running, 2 unmerge all), pages per scan and the pause between scans. */
    public record Tuning(int run, int pagesToScan, int sleepMillis) {
        public static Optional<Tuning> read() {
            if (!Files.isDirectory(KSM)) {
                return Optional.empty();
            }
            return Optional.of(new Tuning((int) readLong("run"), (int) readLong("pages_to_scan"), (int) readLong("sleep_millisecs")));
        }
    }

    /**
     * Where page merging stands for the children of this process.
     *
     * @param kernelSupport the kernel has KSM ({@code /sys/kernel/mm/ksm} exists)
     * @param mergingChildren this process has {@code PR_SET_MEMORY_MERGE}: children started from now on are merged
     * @param tuning ksmd's settings now; empty without kernel support
     * @param previous ksmd's settings before {@link #enableForChildren()} changed them, to put back with {@link #restore(Tuning)}
     * @param problems what did not work, one short reason each (empty when all is well)
     */
    public record Status(boolean kernelSupport, boolean mergingChildren, Optional<Tuning> tuning, Optional<Tuning> previous,
                         List<String> problems) {
        public Status {
            problems = List.copyOf(problems);
        }

        /** True when restored workers will actually be merged: the flag is set and ksmd runs. */
        public boolean active() {
            return mergingChildren && tuning.map(t -> t.run() == 1).orElse(false);
        }

        public String describe() {
            if (!kernelSupport) {
                return "page merging unavailable: the kernel has no KSM (CONFIG_KSM)";
            }
            String settings = tuning.map(t -> "ksmd run=" + t.run() + ", " + t.pagesToScan() + " pages every "
                    + t.sleepMillis() + " ms").orElse("ksmd unreadable");
            String head = active() ? "page merging on" : "page merging off";
            return head + " (" + settings + ")" + (problems.isEmpty() ? "" : ": " + String.join("; ", problems));
        }
    }

    /** KSM's machine-wide counters ({@code /sys/kernel/mm/ksm/*}); pages are of {@link #PAGE_SIZE} bytes. */
    public record KernelStats(long pagesShared, long pagesSharing, long pagesUnshared, long pagesVolatile, long fullScans,
                              long generalProfitBytes) {
        /** Bytes saved by merging: every sharing page beyond the shared one is memory not used. */
        public long savedBytes() {
            return pagesSharing * PAGE_SIZE;
        }
    }

    /**
     * One process's merging, from {@code /proc/PID/ksm_stat} (Linux 6.1+; some fields are newer).
     *
     * @param mergingPages pages of this process currently merged with another page
     * @param profitBytes what merging saves for this process, net of KSM's own bookkeeping
     * @param mergeAny the process has {@code PR_SET_MEMORY_MERGE} (inherited or its own)
     */
    public record ProcessStats(long pid, long mergingPages, long profitBytes, boolean mergeAny) {
    }

    public static final long PAGE_SIZE = 4096;

    /**
     * Sets {@code PR_SET_MEMORY_MERGE} on this process so that every process it starts from now on
     * (and their children: criu, the restored JVM) is merged, starts ksmd and raises its scan rate
     * to at least {@link #PAGES_TO_SCAN} pages every {@link #SLEEP_MILLIS} ms. Settings are only ever
     * raised, never lowered. Nothing here throws: what fails is named in {@link Status#problems()}.
     */
    public static Status enableForChildren() {
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(KSM)) {
            return new Status(false, false, Optional.empty(), Optional.empty(), List.of());
        }
        Optional<Tuning> before = Tuning.read();
        if (!setMemoryMerge(true)) {
            problems.add("prctl(PR_SET_MEMORY_MERGE) refused: needs Linux 6.4+ and CAP_SYS_RESOURCE (run as root)");
        }
        before.ifPresent(t -> {
            if (t.run() != 1) {
                write("run", 1, problems);
            }
            if (t.pagesToScan() < PAGES_TO_SCAN) {
                write("pages_to_scan", PAGES_TO_SCAN, problems);
            }
            if (t.sleepMillis() > SLEEP_MILLIS) {
                write("sleep_millisecs", SLEEP_MILLIS, problems);
            }
        });
        return new Status(true, memoryMerge(), Tuning.read(), before, problems);
    }

    /**
     * Sets {@code PR_SET_MEMORY_MERGE} on this process alone, touching no machine-wide setting (thaw run
     * tunes ksmd through {@code dev.thaw.host.KsmTuning}, which gives the host its values back).
     */
    public static boolean enableForChildrenOnly() {
        return setMemoryMerge(true);
    }

    /** Clears {@code PR_SET_MEMORY_MERGE} on this process: processes started from now on are not merged. */
    public static boolean disableForChildren() {
        return setMemoryMerge(false);
    }

    /** Puts ksmd's settings back (e.g. {@link Status#previous()}); false when not permitted. */
    public static boolean restore(Tuning tuning) {
        List<String> problems = new ArrayList<>();
        write("pages_to_scan", tuning.pagesToScan(), problems);
        write("sleep_millisecs", tuning.sleepMillis(), problems);
        write("run", tuning.run(), problems);
        return problems.isEmpty();
    }

    /** Where merging stands now, changing nothing. */
    public static Status status() {
        if (!Files.isDirectory(KSM)) {
            return new Status(false, false, Optional.empty(), Optional.empty(), List.of());
        }
        return new Status(true, memoryMerge(), Tuning.read(), Optional.empty(), List.of());
    }

    public static KernelStats kernel() {
        return new KernelStats(readLong("pages_shared"), readLong("pages_sharing"), readLong("pages_unshared"),
                readLong("pages_volatile"), readLong("full_scans"), readLong("general_profit"));
    }

    /** One process's merging; empty when the process is gone or the kernel has no ksm_stat. */
    public static Optional<ProcessStats> of(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "ksm_stat");
        try {
            Map<String, String> fields = new HashMap<>();
            for (String line : Files.readAllLines(stat)) {
                int space = line.indexOf(' ');
                if (space > 0) {
                    fields.put(line.substring(0, space), line.substring(space + 1).strip());
                }
            }
            return Optional.of(new ProcessStats(pid, parseLong(fields.get("ksm_merging_pages")),
                    parseLong(fields.get("ksm_process_profit")), "yes".equals(fields.get("ksm_merge_any"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether this process has {@code PR_SET_MEMORY_MERGE}. */
    public static boolean memoryMerge() {
        return prctl(PR_GET_MEMORY_MERGE, 0) == 1;
    }

    private static boolean setMemoryMerge(boolean on) {
        return prctl(PR_SET_MEMORY_MERGE, on ? 1 : 0) == 0;
    }

    private static int prctl(int option, long arg) {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle prctl = linker.downcallHandle(linker.defaultLookup().find("prctl").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
            return (int) prctl.invokeExact(option, arg, 0L, 0L, 0L);
        } catch (Throwable t) {
            return -1;
        }
    }

    private static void write(String name, int value, List<String> problems) {
        try {
            Files.writeString(KSM.resolve(name), Integer.toString(value));
        } catch (IOException e) {
            problems.add("cannot write " + KSM.resolve(name) + " (" + e.getMessage() + "): run as root");
        }
    }

    private static long readLong(String name) {
        try {
            return Long.parseLong(Files.readString(KSM.resolve(name)).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static long parseLong(String s) {
        return s == null ? 0 : Long.parseLong(s.strip());
    }
}
