package dev.thaw.bench;

import java.util.Arrays;
import java.util.List;

/**
 * One or more windows of traffic: how many requests succeeded, how fast, and how many failed
 * (a status other than 200, or a connection error). Latencies in milliseconds; throughput is
 * successful requests per second of window.
 */
public record Traffic(long requests, long errors, double seconds, double requestsPerSecond, double p50Ms, double p99Ms,
                      double maxMs) {
    public static final Traffic NONE = new Traffic(0, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN);

    /** Pools windows (e.g. the first second of each of K runs) into one distribution. */
    static Traffic pool(List<LoadGenerator.Window> windows) {
        long[] all = windows.stream().flatMapToLong(w -> Arrays.stream(w.latencies())).sorted().toArray();
        long errors = windows.stream().mapToLong(LoadGenerator.Window::errors).sum();
        double seconds = windows.stream().mapToDouble(LoadGenerator.Window::seconds).sum();
        if (all.length == 0) {
            return new Traffic(0, errors, seconds, 0, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Traffic(all.length, errors, seconds, seconds > 0 ? all.length / seconds : 0, millis(Summary.percentile(all, 50)),
                millis(Summary.percentile(all, 99)), millis(all[all.length - 1]));
    }

    private static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }
}
