package dev.thaw.lifecycle;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the requests this JVM serves, for the orchestrator: every heartbeat carries the total (for
 * --max-requests recycling), the number in flight and the age of the oldest one (for --timeout: a
 * worker stuck in a request is replaced even though its heartbeat thread still runs), and how long the
 * finished ones took, as histogram buckets (for thaw's metrics).
 *
 * <p>Two kinds of callers: thaw's agent counts the requests of the servers it recognizes by itself
 * ({@link #beginByAgent()}, see docs/resources.md for the list); an app on any other server calls
 * {@link #begin()} when a request starts and {@link #end(long)} when its response is done (thaw's Jetty
 * resource does this for you). Once the app counts through {@link #begin()}, the agent's counting stops,
 * so that no request is counted twice.
 */
public final class Requests {
    /**
     * Upper bounds of the latency buckets, in milliseconds. The heartbeat carries them along with the
     * counts, so an orchestrator never has to assume that a worker's agent uses the same bounds.
     */
    public static final long[] LATENCY_BOUNDS_MILLIS = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

    private static final AtomicLong TOTAL = new AtomicLong();
    private static final AtomicLong IDS = new AtomicLong();
    private static final ConcurrentHashMap<Long, Long> STARTED = new ConcurrentHashMap<>();
    /** Requests that took at most LATENCY_BOUNDS_MILLIS[i] and more than the bound before (not cumulative). */
    private static final AtomicLongArray BUCKETS = new AtomicLongArray(LATENCY_BOUNDS_MILLIS.length + 1);
    private static final LongAdder LATENCY_SUM_MICROS = new LongAdder();
    /** True once the app counted a request itself: from then on the agent's counting stands aside. */
    private static volatile boolean countedByApp;

    private Requests() {
    }

    /** A request started; returns a token for {@link #end(long)}. */
    public static long begin() {
        countedByApp = true;
        return start();
    }

    /**
     * For thaw's agent, at a recognized server's entry point: like {@link #begin()}, except that it
     * counts nothing (and returns 0) when the app counts its requests itself.
     */
    public static long beginByAgent() {
        return countedByApp ? 0 : start();
    }

    /**
     * For thaw's agent: the request of {@code token} (from {@link #beginByAgent()}) finished. If the app
     * began counting while it ran, it is dropped rather than counted: the app counted it already.
     */
    public static void endByAgent(long token) {
        if (token == 0) {
            return;
        }
        if (countedByApp) {
            STARTED.remove(token);
        } else {
            end(token);
        }
    }

    /** True when the app reports its requests through {@link #begin()} (thaw's Jetty resource, or its own code). */
    public static boolean countedByApp() {
        return countedByApp;
    }

    /** When the last request began (System.nanoTime), for a drain that waits until requests stop coming. */
    public static long lastBeginNanos() {
        return lastBeginNanos;
    }

    private static volatile long lastBeginNanos = System.nanoTime();

    private static long start() {
        lastBeginNanos = System.nanoTime();
        long id = IDS.incrementAndGet();
        STARTED.put(id, System.nanoTime());
        return id;
    }

    /** The request of {@code token} finished (successfully or not). */
    public static void end(long token) {
        Long started = STARTED.remove(token);
        if (started != null) {
            record(System.nanoTime() - started);
            TOTAL.incrementAndGet();
        }
    }

    private static void record(long nanos) {
        LATENCY_SUM_MICROS.add(nanos / 1000);
        int i = 0;
        while (i < LATENCY_BOUNDS_MILLIS.length && nanos > LATENCY_BOUNDS_MILLIS[i] * 1_000_000) {
            i++;
        }
        BUCKETS.incrementAndGet(i);
    }

    /**
     * What the heartbeat reports.
     *
     * @param latencyCumulative for each of {@link #LATENCY_BOUNDS_MILLIS}, the requests that took at most that
     *     long (cumulative, as Prometheus histograms count)
     * @param latencyCount every finished request, the slower-than-every-bound ones included
     * @param latencySumMicros the time all finished requests took together
     */
    public record Snapshot(long total, int inFlight, long oldestMillis, long[] latencyCumulative, long latencyCount,
                           long latencySumMicros) {
    }

    public static Snapshot snapshot() {
        long now = System.nanoTime();
        long oldest = 0;
        for (long started : STARTED.values()) {
            oldest = Math.max(oldest, (now - started) / 1_000_000);
        }
        long[] cumulative = new long[LATENCY_BOUNDS_MILLIS.length];
        long running = 0;
        for (int i = 0; i < cumulative.length; i++) {
            running += BUCKETS.get(i);
            cumulative[i] = running;
        }
        long count = running + BUCKETS.get(cumulative.length);
        return new Snapshot(TOTAL.get(), STARTED.size(), oldest, cumulative, count, LATENCY_SUM_MICROS.sum());
    }

    /**
     * Starts counting afresh in a restored worker: the leader's warm-up requests are not the worker's,
     * and a request caught in flight by the dump will never finish here.
     */
    public static void reset() {
        TOTAL.set(0);
        STARTED.clear();
        for (int i = 0; i < BUCKETS.length(); i++) {
            BUCKETS.set(i, 0);
        }
        LATENCY_SUM_MICROS.reset();
    }
}
