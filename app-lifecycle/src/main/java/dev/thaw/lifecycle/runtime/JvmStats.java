package dev.thaw.lifecycle.runtime;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.List;

/**
 * The heap and GC figures a worker reports in its heartbeat. GC figures count from the restore: the
 * leader's own collections (warm-up, the full GC before the dump) are in every worker's counters and
 * are nobody's pauses here.
 */
final class JvmStats {
    /**
     * @param gcPauseMillis time spent in stop-the-world collection since the restore
     * @param gcCount collections (pauses) since the restore
     */
    record Sample(long heapUsedBytes, long heapCommittedBytes, long gcPauseMillis, long gcCount) {
    }

    private final List<GarbageCollectorMXBean> pauseCollectors;
    private final long pauseMillisAtStart;
    private final long countAtStart;

    JvmStats() {
        // ZGC and Shenandoah report their concurrent work in "... Cycles" beans next to "... Pauses" ones:
        // only the pauses stop requests. Every other collector's beans (G1, Parallel, Serial) are pauses.
        pauseCollectors = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .filter(b -> !b.getName().endsWith("Cycles"))
                .toList();
        pauseMillisAtStart = pauseMillis();
        countAtStart = count();
    }

    Sample sample() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return new Sample(heap.getUsed(), heap.getCommitted(), pauseMillis() - pauseMillisAtStart, count() - countAtStart);
    }

    private long pauseMillis() {
        return pauseCollectors.stream().mapToLong(b -> Math.max(0, b.getCollectionTime())).sum();
    }

    private long count() {
        return pauseCollectors.stream().mapToLong(b -> Math.max(0, b.getCollectionCount())).sum();
    }
}
