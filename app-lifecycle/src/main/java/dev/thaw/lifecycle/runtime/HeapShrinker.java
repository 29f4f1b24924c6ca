package dev.thaw.lifecycle.runtime;

import dev.thaw.lifecycle.control.ControlMessage;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/**
 * Makes the heap small right before the dump. CRIU copies every resident page into the image, and
 * every restore copies them back, so free heap that the JVM keeps committed would cost each worker.
 * A full GC alone is not enough: G1 keeps up to MaxHeapFreeRatio (70%) of the heap free after it.
 * Both free ratios are manageable flags, so they are tightened for this one collection.
 *
 * <p>A heap left that small costs every worker its first second (docs/images.md, "The first second"):
 * G1 sizes the young generation from the free heap, so a worker starts with an eden of a few regions
 * and collects every few MiB, and with the old generation filling ~98% of the heap every young
 * collection starts a concurrent mark of the whole live heap, which the worker inherits half done
 * (marking, a Remark pause, rebuilding remembered sets) until a Remark grows the heap. So the heap is
 * then grown back to what the leader had committed before the shrink, with a second full GC whose
 * free ratios ask for exactly that: G1 commits the regions it adds without touching them, so their
 * pages are not resident, CRIU does not dump them, and a worker starts with the leader's heap size,
 * a normal young generation and no concurrent cycle under way. The free ratios are then put back.
 *
 * <p>{@code -Dthaw.heap-shrink=false} on the leader's command line turns it off (read once, when the
 * runtime starts): the image then holds the heap as the app left it, which is what {@code thaw bench}
 * compares against. {@code -Dthaw.heap-regrow=false} keeps the shrink but leaves the heap small (the
 * behaviour before the regrow, to compare a worker's first second with and without it).
 */
final class HeapShrinker {
    static final String PROPERTY = "thaw.heap-shrink";
    static final String REGROW_PROPERTY = "thaw.heap-regrow";
    private static final String MIN = "MinHeapFreeRatio";
    private static final String MAX = "MaxHeapFreeRatio";

    private final HotSpotDiagnosticMXBean hotspot = hotspot();
    private final boolean enabled;
    private final boolean regrowEnabled;
    private String originalMin;
    private String originalMax;

    HeapShrinker() {
        this(System.getProperty(PROPERTY), System.getProperty(REGROW_PROPERTY));
    }

    HeapShrinker(String property) {
        this(property, null);
    }

    HeapShrinker(String property, String regrowProperty) {
        this.enabled = enabled(property);
        this.regrowEnabled = !"false".equalsIgnoreCase(regrowProperty);
    }

    /**
     * On unless the property says {@code false}; a value that is neither {@code true} nor {@code false}
     * keeps it on and says so, since a smaller image is the safe side of a typo.
     */
    static boolean enabled(String property) {
        if (property == null || property.equalsIgnoreCase("true")) {
            return true;
        }
        if (property.equalsIgnoreCase("false")) {
            return false;
        }
        System.err.println("thaw: -D" + PROPERTY + "=" + property + " is neither true nor false: the heap is shrunk before the dump"
                + " (use -D" + PROPERTY + "=false to turn it off)");
        return true;
    }

    boolean isEnabled() {
        return enabled;
    }

    boolean regrows() {
        return regrowEnabled;
    }

    void shrink() {
        if (!enabled) {
            System.err.println("thaw: heap not shrunk before the dump (-D" + PROPERTY + "=false): free heap goes into the image");
            return;
        }
        long start = System.nanoTime();
        long committedBefore = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
        boolean tightened = tighten();
        System.gc();
        MemoryUsage shrunk = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long gcMillis = (System.nanoTime() - start) / 1_000_000;
        String regrown = tightened && regrowEnabled ? regrow(shrunk, committedBefore) : "";
        trimNativeHeap();
        System.err.printf("thaw: full GC before the dump: %d MiB used, %d MiB committed, %d ms%s%s%n",
                shrunk.getUsed() >> 20, shrunk.getCommitted() >> 20, gcMillis, regrown,
                tightened ? "" : " (free ratios not adjustable on this JVM)");
    }

    /**
     * Grows the heap back to {@code target} bytes committed (what the leader had before the shrink) with a
     * second full GC, then puts the free ratios back. Returns what to add to the log line.
     */
    private String regrow(MemoryUsage shrunk, long target) {
        int minFree = minFreeRatioFor(shrunk.getUsed(), target);
        if (minFree < 0) {
            restore();
            return "";
        }
        long start = System.nanoTime();
        awaitUncommit();
        try {
            hotspot.setVMOption(MAX, "100");
            hotspot.setVMOption(MIN, Integer.toString(Math.max(minFree, Integer.parseInt(originalMin))));
        } catch (RuntimeException e) {
            restore();
            return " (heap not regrown: " + e.getMessage() + ")";
        }
        System.gc();
        restore();
        long committed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
        return String.format("; regrown untouched to %d MiB committed (%d MiB before the shrink) in %d ms",
                committed >> 20, target >> 20, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * G1 gives the regions of a shrink back to the OS later, on its service thread, in steps; until then it
     * keeps them as inactive regions, and an expansion takes those back first, pages and garbage included
     * (measured: a 1 GiB image instead of 383 MiB). So the regrow waits until the process's resident memory
     * stops falling: five polls 20 ms apart within 1 MiB of each other, at most 3 s.
     */
    private static void awaitUncommit() {
        long deadline = System.nanoTime() + 3_000_000_000L;
        long last = residentBytes();
        int steady = 0;
        while (last >= 0 && steady < 5 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = residentBytes();
            steady = last - now < (1 << 20) ? steady + 1 : 0;
            last = now;
        }
    }

    /** This process's resident memory from /proc/self/statm, or -1 where there is none. */
    private static long residentBytes() {
        try {
            String[] fields = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/statm")).trim().split(" ");
            return Long.parseLong(fields[1]) * 4096;
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The MinHeapFreeRatio with which a full GC of a heap holding {@code used} bytes leaves {@code target}
     * bytes committed (G1 grows to used / (1 - ratio/100)), at most 99; -1 when the heap is already
     * that large, or within 10% of it (a second full GC is not worth a few regions).
     */
    static int minFreeRatioFor(long used, long target) {
        if (used <= 0 || target <= used + used / 10) {
            return -1;
        }
        int ratio = (int) Math.floor(100.0 * (1.0 - (double) used / target));
        return ratio <= 0 ? -1 : Math.min(ratio, 99);
    }

    /**
     * What the JVM holds right after {@link #shrink()}, in bytes, as READY_TO_DUMP fields: the orchestrator
     * sets the image size against them (heap, metaspace and code cache; the rest is thread stacks, GC
     * structures, malloc arenas and the libraries' own data).
     */
    static ControlMessage.MemoryAfterGc memoryAfterGc() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long metaspace = 0;
        long codeCache = 0;
        for (java.lang.management.MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getName().equals("Metaspace")) {
                metaspace += pool.getUsage().getCommitted();
            } else if (pool.getName().startsWith("CodeHeap") || pool.getName().replace(" ", "").equals("CodeCache")) {
                // segmented code cache ("CodeHeap '...'"), or one "CodeCache" when it is small (C1 only, under 240 MB)
                codeCache += pool.getUsage().getCommitted();
            }
        }
        return new ControlMessage.MemoryAfterGc(heap.getUsed(), heap.getCommitted(), metaspace, codeCache);
    }

    /**
     * Puts the free ratios back, in the order the JVM accepts (min <= max at every step): the max first
     * when it grows back (after the shrink's 0/1), the min first when the max goes down (after the regrow's
     * N/100). Called again in each restored worker, where it changes nothing.
     */
    void restore() {
        if (hotspot == null || originalMin == null) {
            return;
        }
        try {
            int currentMin = Integer.parseInt(hotspot.getVMOption(MIN).getValue());
            if (currentMin > Integer.parseInt(originalMax)) {
                hotspot.setVMOption(MIN, originalMin);
                hotspot.setVMOption(MAX, originalMax);
                return;
            }
            hotspot.setVMOption(MAX, originalMax);
            hotspot.setVMOption(MIN, originalMin);
        } catch (RuntimeException e) {
            System.err.println("thaw: could not restore heap free ratios: " + e.getMessage());
        }
    }

    private boolean tighten() {
        if (hotspot == null) {
            return false;
        }
        try {
            originalMin = hotspot.getVMOption(MIN).getValue();
            originalMax = hotspot.getVMOption(MAX).getValue();
            hotspot.setVMOption(MIN, "0");
            hotspot.setVMOption(MAX, "1");
            return true;
        } catch (RuntimeException e) {
            originalMin = null;
            return false;
        }
    }

    /**
     * Returns glibc's free arena memory to the OS ({@code jcmd System.trim_native_heap}, JDK 17.0.9+
     * and 21+): what the JIT and class loading left behind in malloc would otherwise be dumped too.
     */
    private static void trimNativeHeap() {
        try {
            javax.management.ObjectName dcmd = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
            ManagementFactory.getPlatformMBeanServer().invoke(dcmd, "systemTrimNativeHeap", new Object[0], new String[0]);
        } catch (Exception | LinkageError e) {
            // not available on this JDK: the image is just larger
        }
    }

    private static HotSpotDiagnosticMXBean hotspot() {
        try {
            return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }
}
