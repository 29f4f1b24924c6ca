package dev.thaw.lifecycle.runtime;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/**
 * Makes the heap small right before the dump. CRIU copies every resident page into the image, and
 * every restore copies them back, so free heap that the JVM keeps committed would cost each worker.
 * A full GC alone is not enough: G1 keeps up to MaxHeapFreeRatio (70%) of the heap free after it.
 * Both free ratios are manageable flags, so they are tightened for this one collection and put back
 * in each restored worker, whose heap then grows as the app needs.
 *
 * <p>{@code -Dthaw.heap-shrink=false} on the leader's command line turns it off (read once, when the
 * runtime starts): the image then holds the heap as the app left it, which is what {@code thaw bench}
 * compares against.
 */
final class HeapShrinker {
    static final String PROPERTY = "thaw.heap-shrink";
    private static final String MIN = "MinHeapFreeRatio";
    private static final String MAX = "MaxHeapFreeRatio";

    private final HotSpotDiagnosticMXBean hotspot = hotspot();
    private final boolean enabled;
    private String originalMin;
    private String originalMax;

    HeapShrinker() {
        this(System.getProperty(PROPERTY));
    }

    HeapShrinker(String property) {
        this.enabled = enabled(property);
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

    void shrink() {
        if (!enabled) {
            System.err.println("thaw: heap not shrunk before the dump (-D" + PROPERTY + "=false): free heap goes into the image");
            return;
        }
        long start = System.nanoTime();
        boolean tightened = tighten();
        System.gc();
        trimNativeHeap();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        System.err.printf("thaw: full GC before the dump: %d MiB used, %d MiB committed, %d ms%s%n",
                heap.getUsed() >> 20, heap.getCommitted() >> 20, (System.nanoTime() - start) / 1_000_000,
                tightened ? "" : " (free ratios not adjustable on this JVM)");
    }

    /**
     * What the JVM holds right after {@link #shrink()}, in bytes, as READY_TO_DUMP fields: the orchestrator
     * sets the image size against them (heap, metaspace and code cache; the rest is thread stacks, GC
     * structures, malloc arenas and the libraries' own data).
     */
    static String[] memoryFields() {
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
        return new String[] {"heap-used", Long.toString(heap.getUsed()), "heap-committed", Long.toString(heap.getCommitted()),
            "metaspace", Long.toString(metaspace), "code-cache", Long.toString(codeCache)};
    }

    /** Puts the free ratios back, in the order the JVM accepts (min <= max at every step). */
    void restore() {
        if (hotspot == null || originalMin == null) {
            return;
        }
        try {
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
