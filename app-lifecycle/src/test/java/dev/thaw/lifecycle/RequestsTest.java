package dev.thaw.lifecycle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RequestsTest {
    @BeforeEach
    void startAfresh() {
        Requests.reset();
    }

    @Test
    void finished_requests_land_in_cumulative_latency_buckets_and_their_sum() throws Exception {
        Requests.end(Requests.begin());
        long slow = Requests.begin();
        Thread.sleep(30);
        Requests.end(slow);
        Requests.Snapshot s = Requests.snapshot();
        assertEquals(2, s.total());
        assertEquals(2, s.latencyCount());
        int le25 = indexOf(25);
        int le50 = indexOf(50);
        assertEquals(1, s.latencyCumulative()[le25], "the fast request is at most 25 ms, the slow one is not");
        assertEquals(2, s.latencyCumulative()[s.latencyCumulative().length - 1]);
        assertTrue(s.latencyCumulative()[le50] >= 1);
        assertTrue(s.latencySumMicros() >= 30_000, "sum " + s.latencySumMicros() + " us");
    }

    @Test
    void a_request_still_running_is_in_flight_and_in_no_bucket() {
        long token = Requests.begin();
        Requests.Snapshot s = Requests.snapshot();
        assertEquals(1, s.inFlight());
        assertEquals(0, s.latencyCount());
        Requests.end(token);
        Requests.end(token); // ending twice counts once
        assertEquals(1, Requests.snapshot().latencyCount());
    }

    @Test
    void reset_forgets_the_leaders_requests_and_latencies() {
        Requests.end(Requests.begin());
        Requests.reset();
        Requests.Snapshot s = Requests.snapshot();
        assertEquals(0, s.total());
        assertEquals(0, s.latencyCount());
        assertEquals(0, s.latencySumMicros());
        assertArrayEquals(new long[Requests.LATENCY_BOUNDS_MILLIS.length], s.latencyCumulative());
    }

    private static int indexOf(long boundMillis) {
        for (int i = 0; i < Requests.LATENCY_BOUNDS_MILLIS.length; i++) {
            if (Requests.LATENCY_BOUNDS_MILLIS[i] == boundMillis) {
                return i;
            }
        }
        throw new AssertionError("no bound " + boundMillis);
    }
}
