package dev.thaw.lifecycle;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the requests this JVM serves, for the orchestrator: every heartbeat carries the total (for
 * --max-requests recycling), the number in flight and the age of the oldest one (for --timeout: a
 * worker stuck in a request is replaced even though its heartbeat thread still runs). Servers call
 * {@link #begin()} when a request starts and {@link #end(long)} when its response is done; thaw's
 * Jetty resource does this for you.
 */
public final class Requests {
    private static final AtomicLong TOTAL = new AtomicLong();
    private static final AtomicLong IDS = new AtomicLong();
    private static final ConcurrentHashMap<Long, Long> STARTED = new ConcurrentHashMap<>();

    private Requests() {
    }

    /** A request started; returns a token for {@link #end(long)}. */
    public static long begin() {
        long id = IDS.incrementAndGet();
        STARTED.put(id, System.nanoTime());
        return id;
    }

    /** The request of {@code token} finished (successfully or not). */
    public static void end(long token) {
        if (STARTED.remove(token) != null) {
            TOTAL.incrementAndGet();
        }
    }

    /** What the heartbeat reports. */
    public record Snapshot(long total, int inFlight, long oldestMillis) {
    }

    public static Snapshot snapshot() {
        long now = System.nanoTime();
        long oldest = 0;
        for (long started : STARTED.values()) {
            oldest = Math.max(oldest, (now - started) / 1_000_000);
        }
        return new Snapshot(TOTAL.get(), STARTED.size(), oldest);
    }

    /**
     * Starts counting afresh in a restored worker: the leader's warm-up requests are not the worker's,
     * and a request caught in flight by the dump will never finish here.
     */
    public static void reset() {
        TOTAL.set(0);
        STARTED.clear();
    }
}
