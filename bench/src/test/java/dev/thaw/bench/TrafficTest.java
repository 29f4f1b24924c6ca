package dev.thaw.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TrafficTest {
    private static long ms(double millis) {
        return (long) (millis * 1_000_000);
    }

    /** Requests starting at 0, 100, ... 1900 ms; the ones in the first 300 ms are slow, every fifth one fails. */
    private static LoadGenerator.Recording twoSeconds() {
        int n = 20;
        long[] starts = new long[n];
        long[] latencies = new long[n];
        boolean[] ok = new boolean[n];
        for (int i = 0; i < n; i++) {
            starts[i] = TimeUnit.MILLISECONDS.toNanos(i * 100L);
            latencies[i] = i < 3 ? ms(50) : ms(1);
            ok[i] = i % 5 != 4;
        }
        return new LoadGenerator.Recording(starts, latencies, ok);
    }

    @Test
    void a_window_holds_only_the_requests_that_started_in_it() {
        LoadGenerator.Window first = twoSeconds().window(0, 1000);
        assertEquals(8, first.latencies().length); // 10 started, 2 failed
        assertEquals(2, first.errors());
        assertEquals(1.0, first.seconds());
    }

    @Test
    void throughput_counts_successful_requests_per_second_of_window() {
        Traffic t = twoSeconds().window(1000, 2000).traffic();
        assertEquals(8, t.requests());
        assertEquals(2, t.errors());
        assertEquals(8.0, t.requestsPerSecond());
    }

    @Test
    void slow_first_requests_show_in_the_first_window_p99_and_not_in_the_later_one() {
        LoadGenerator.Recording r = twoSeconds();
        assertEquals(50.0, r.window(0, 1000).traffic().p99Ms());
        assertEquals(1.0, r.window(0, 1000).traffic().p50Ms());
        assertEquals(1.0, r.window(1000, 2000).traffic().p99Ms());
    }

    @Test
    void pooled_windows_add_their_requests_errors_and_seconds() {
        LoadGenerator.Recording r = twoSeconds();
        Traffic pooled = Traffic.pool(List.of(r.window(0, 1000), r.window(1000, 2000)));
        assertEquals(16, pooled.requests());
        assertEquals(4, pooled.errors());
        assertEquals(2.0, pooled.seconds());
        assertEquals(8.0, pooled.requestsPerSecond());
        assertEquals(50.0, pooled.maxMs());
    }

    @Test
    void a_window_without_a_successful_request_has_no_latency_rather_than_zero() {
        Traffic t = twoSeconds().window(5000, 6000).traffic();
        assertEquals(0, t.requests());
        assertTrue(Double.isNaN(t.p99Ms()));
    }

    @Test
    void a_recording_counts_its_failures_and_successes() {
        assertEquals(4, twoSeconds().failures());
        assertEquals(16, twoSeconds().successes());
    }
}
