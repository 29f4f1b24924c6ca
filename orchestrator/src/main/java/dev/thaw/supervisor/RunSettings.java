package dev.thaw.supervisor;

import java.time.Duration;
import java.util.Map;

/**
 * Validated settings of one {@code thaw run}.
 *
 * @param workers how many workers to keep serving
 * @param readyTimeout a worker not ready this long after its restore started is killed and counts as a boot failure
 * @param gracefulTimeout how long a stopping worker may drain before it is killed
 * @param maxBootFailures consecutive boot failures of a slot after which thaw halts instead of retrying
 * @param env per-worker environment overrides sent with each identity
 */
public record RunSettings(int workers, Duration readyTimeout, Duration gracefulTimeout, int maxBootFailures,
                          Duration heartbeat, Map<String, String> env) {
    public RunSettings {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1");
        }
        env = Map.copyOf(env);
    }
}
