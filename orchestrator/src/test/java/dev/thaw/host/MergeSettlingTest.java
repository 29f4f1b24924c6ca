package dev.thaw.host;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class MergeSettlingTest {
    private static final long S = 1_000_000_000L;
    private final MergeSettling settling = new MergeSettling(Duration.ofSeconds(30), 2);

    @Test
    void should_settle_after_the_quiet_period_with_enough_full_scans() {
        assertFalse(settling.settledAfter(new MergeSettling.Sample(0, 0, 0)));
        assertFalse(settling.settledAfter(new MergeSettling.Sample(5 * S, 50_000, 1)), "growing");
        assertFalse(settling.settledAfter(new MergeSettling.Sample(10 * S, 90_000, 2)), "growing");
        assertFalse(settling.settledAfter(new MergeSettling.Sample(20 * S, 90_500, 4)), "quiet for 10 s only");
        assertTrue(settling.settledAfter(new MergeSettling.Sample(40 * S, 90_300, 6)), "quiet for 30 s and 4 full scans");
    }

    @Test
    void should_not_settle_on_a_scan_too_slow_to_have_seen_everything() {
        settling.settledAfter(new MergeSettling.Sample(0, 1000, 10));
        assertFalse(settling.settledAfter(new MergeSettling.Sample(60 * S, 1000, 11)), "one full scan in 60 s proves nothing");
        assertTrue(settling.settledAfter(new MergeSettling.Sample(65 * S, 1000, 12)));
    }

    @Test
    void should_be_busy_again_when_merging_grows() {
        settling.settledAfter(new MergeSettling.Sample(0, 1000, 0));
        assertTrue(settling.settledAfter(new MergeSettling.Sample(40 * S, 1000, 5)));
        assertTrue(settling.settledAfter(new MergeSettling.Sample(45 * S, 1000 + MergeSettling.GROWTH_PAGES, 5)), "churn is not growth");
        assertFalse(settling.settledAfter(new MergeSettling.Sample(50 * S, 30_000, 6)), "a new worker's pages merging");
        assertFalse(settling.settledAfter(new MergeSettling.Sample(60 * S, 30_000, 8)), "quiet again, but not for 30 s yet");
    }
}
