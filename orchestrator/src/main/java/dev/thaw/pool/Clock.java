package dev.thaw.pool;

import java.time.Instant;

/**
 * The supervisor's only source of time. Every timeout, backoff and deadline of the pool is read
 * through it, so that its unit tests can move time by hand instead of sleeping.
 */
public interface Clock {
    /** Monotonic nanoseconds, for intervals and deadlines (as {@link System#nanoTime()}). */
    long nanoTime();

    /** Wall-clock time, for what is shown to people (ages, restore timestamps). */
    Instant now();

    Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }
    };
}
