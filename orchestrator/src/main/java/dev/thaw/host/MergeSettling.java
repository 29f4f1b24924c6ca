package dev.thaw.host;

import java.time.Duration;

/**
 * Decides from KSM's counters whether merging is still making progress. ksmd merges a page only after
 * seeing it unchanged in two full scans, so after a pool's workers are restored {@code pages_sharing}
 * climbs for a few scans and then stays flat: from then on a full-speed scan finds nothing new and only
 * burns CPU. Merging has settled when {@code pages_sharing} has not grown by more than {@link #GROWTH_PAGES}
 * for {@code quiet} and at least {@code minFullScans} full scans (so a slow scan is not taken for a
 * settled one). Any such growth (a new worker's pages being merged) means merging is busy again.
 * Pure: samples in, a decision out.
 */
final class MergeSettling {
    /** 4 MiB: under load pages are unmerged by writes and merged again; that churn is not progress. */
    static final long GROWTH_PAGES = 1024;

    /** One reading of /sys/kernel/mm/ksm, at {@code nanos} (System.nanoTime). */
    record Sample(long nanos, long pagesSharing, long fullScans) {
    }

    private final long quietNanos;
    private final long minFullScans;
    private Sample last;
    private Sample quietSince;
    private boolean settled;

    MergeSettling(Duration quiet, long minFullScans) {
        this.quietNanos = quiet.toNanos();
        this.minFullScans = minFullScans;
    }

    /** Takes a sample; true when merging has settled as of it. */
    boolean settledAfter(Sample s) {
        if (last == null || s.pagesSharing() - last.pagesSharing() > GROWTH_PAGES) {
            quietSince = s;
            settled = false;
        } else if (!settled) {
            settled = s.nanos() - quietSince.nanos() >= quietNanos && s.fullScans() - quietSince.fullScans() >= minFullScans;
        }
        last = s;
        return settled;
    }
}
