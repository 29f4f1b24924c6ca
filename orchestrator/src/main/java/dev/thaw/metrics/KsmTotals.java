package dev.thaw.metrics;

import dev.thaw.host.PageMerging;
import java.util.function.ToLongFunction;

/** KSM's machine-wide counters, read at most once per scrape (several gauges share one read of six files). */
final class KsmTotals {
    private static final long FRESH_NANOS = 500_000_000L;

    private PageMerging.KernelStats stats;
    private long readAtNanos;

    /** A count of pages as bytes; NaN where the kernel has no KSM (its files read as -1). */
    synchronized double pages(ToLongFunction<PageMerging.KernelStats> field) {
        PageMerging.KernelStats s = current();
        return s.pagesShared() < 0 ? Double.NaN : (double) field.applyAsLong(s) * PageMerging.PAGE_SIZE;
    }

    /** A figure as it is (general_profit may be negative: merging can cost more than it saves). */
    synchronized double value(ToLongFunction<PageMerging.KernelStats> field) {
        PageMerging.KernelStats s = current();
        return s.pagesShared() < 0 ? Double.NaN : field.applyAsLong(s);
    }

    private PageMerging.KernelStats current() {
        if (stats == null || System.nanoTime() - readAtNanos > FRESH_NANOS) {
            stats = PageMerging.kernel();
            readAtNanos = System.nanoTime();
        }
        return stats;
    }
}
