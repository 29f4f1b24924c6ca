package dev.thaw.metrics;

import dev.thaw.lifecycle.control.Message;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one heartbeat says about its worker (docs/control-protocol.md). Every field is optional: an
 * agent older than the orchestrator sends fewer, and a field that does not parse is treated as absent
 * rather than allowed to stop the supervisor's thread.
 */
record HeartbeatReport(OptionalLong requests, OptionalLong inFlight, Optional<Latency> latency, OptionalLong heapUsedBytes,
                       OptionalLong heapCommittedBytes, OptionalLong gcPauseMillis, OptionalLong gcCount) {

    /** A worker that has not reported yet. */
    static final HeartbeatReport NONE = new HeartbeatReport(OptionalLong.empty(), OptionalLong.empty(), Optional.empty(),
            OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());

    /**
     * Request latency as the worker's histogram holds it.
     *
     * @param boundsSeconds finite upper bounds, ascending
     * @param cumulative requests at most each bound took
     */
    record Latency(double[] boundsSeconds, long[] cumulative, long count, double sumSeconds) {
    }

    static HeartbeatReport from(Message m) {
        return new HeartbeatReport(number(m, "requests"), number(m, "inflight"), latency(m), number(m, "heap-used"),
                number(m, "heap-committed"), number(m, "gc-pause-ms"), number(m, "gc-count"));
    }

    private static OptionalLong number(Message m, String key) {
        try {
            return m.get(key).map(v -> OptionalLong.of(Long.parseLong(v))).orElse(OptionalLong.empty());
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static Optional<Latency> latency(Message m) {
        try {
            double[] bounds = Arrays.stream(m.require("latency-bounds-ms").split(",")).mapToDouble(s -> Long.parseLong(s) / 1000.0).toArray();
            long[] cumulative = Arrays.stream(m.require("latency-cumulative").split(",")).mapToLong(Long::parseLong).toArray();
            long count = Long.parseLong(m.require("latency-count"));
            double sum = Long.parseLong(m.require("latency-sum-us")) / 1_000_000.0;
            if (bounds.length != cumulative.length || !ascending(bounds) || !ascending(cumulative, count)) {
                return Optional.empty();
            }
            return Optional.of(new Latency(bounds, cumulative, count, sum));
        } catch (RuntimeException missingOrMalformed) {
            return Optional.empty();
        }
    }

    private static boolean ascending(double[] bounds) {
        for (int i = 1; i < bounds.length; i++) {
            if (bounds[i] <= bounds[i - 1]) {
                return false;
            }
        }
        return true;
    }

    private static boolean ascending(long[] cumulative, long count) {
        long previous = 0;
        for (long c : cumulative) {
            if (c < previous) {
                return false;
            }
            previous = c;
        }
        return previous <= count;
    }
}
