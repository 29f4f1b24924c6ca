package dev.thaw.metrics;

import dev.thaw.lifecycle.control.ControlMessage;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one heartbeat says about its worker (docs/control-protocol.md), as metrics see it: empty until
 * the worker's first heartbeat. The heartbeat was decoded and checked by the control server already.
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

    static HeartbeatReport from(ControlMessage.Heartbeat h) {
        ControlMessage.Latency l = h.latency();
        double[] bounds = Arrays.stream(l.boundsMillis()).mapToDouble(ms -> ms / 1000.0).toArray();
        Latency latency = new Latency(bounds, l.cumulative(), l.count(), l.sumMicros() / 1_000_000.0);
        return new HeartbeatReport(OptionalLong.of(h.requests()), OptionalLong.of(h.inFlight()), Optional.of(latency),
                OptionalLong.of(h.heapUsed()), OptionalLong.of(h.heapCommitted()), OptionalLong.of(h.gcPauseMillis()),
                OptionalLong.of(h.gcCount()));
    }
}
