package dev.thaw.lifecycle.runtime;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
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
        List<GarbageCollectorMXBean> pauses = new ArrayList<>();
        for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!bean.getName().endsWith("Cycles")) {
                pauses.add(bean);
            }
        }
        pauseCollectors = List.copyOf(pauses);
        pauseMillisAtStart = pauseMillis();
        countAtStart = count();
    }

    Sample sample() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return new Sample(heap.getUsed(), heap.getCommitted(), pauseMillis() - pauseMillisAtStart, count() - countAtStart);
    }

    // Plain loops, not streams: a stream's mapToLong and sum would load new implementations of
    // ToLongFunction and LongBinaryOperator in every worker, after its restore, and the JIT then throws
    // away the app's compiled code that relied on their having one (docs/images.md, "Code a worker
    // loads after its restore").
    private long pauseMillis() {
        long sum = 0;
        for (GarbageCollectorMXBean bean : pauseCollectors) {
            sum += Math.max(0, bean.getCollectionTime());
        }
        return sum;
    }

    private long count() {
        long sum = 0;
        for (GarbageCollectorMXBean bean : pauseCollectors) {
            sum += Math.max(0, bean.getCollectionCount());
        }
        return sum;
    }
}
