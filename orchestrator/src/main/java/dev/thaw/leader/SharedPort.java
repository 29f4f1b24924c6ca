package dev.thaw.leader;

import dev.thaw.ThawException;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether the leader itself answered its warm-up. {@link PrivateNetwork#requireNothingServes} looks once,
 * before the leader starts; a process that binds the port afterwards with SO_REUSEPORT (a stale
 * {@code thaw run}, another copy of the app) shares the port's connections with the leader and answers
 * part of the warm-up, or all of it while the leader is still starting, and the image would be of a
 * leader that is still cold. Two facts tell: the requests the leader's agent counted (READY_TO_DUMP's
 * {@code requests-served}), and whether the leader listens on the warm-up's port at all after the warm-up.
 */
final class SharedPort {
    /** Below this many answers a count says too little (the readiness probe alone is one). */
    static final long MIN_ANSWERED = 10;
    private static final String FIX = " stop that process (a stale thaw run, or the app bound with SO_REUSEPORT), or pick another port,"
            + " or add --private-network; no image was written, the previous one, if any, is untouched";

    private SharedPort() {
    }

    /**
     * Refuses the checkpoint when the leader did not listen on the warm-up's port after the warm-up, or
     * served fewer than half of the {@code answered} warm-up requests (each answered 200).
     *
     * @param leaderServed the leader's count, null when nothing in it counts requests (a server thaw's agent does
     *     not know, or one not loaded yet)
     * @param leaderListens whether the leader held a listening socket on one of the warm-up's ports right after the
     *     warm-up; empty when /proc could not tell. Nothing that cannot be told is held against the leader.
     */
    static void requireLeaderAnswered(List<URI> warmupUrls, long answered, Long leaderServed, Optional<Boolean> leaderListens) {
        if (answered < MIN_ANSWERED) {
            return;
        }
        if (leaderListens.isPresent() && !leaderListens.get()) {
            throw new ThawException(ThawException.EXIT_USAGE, "another process answered the " + answered + " warm-up requests on "
                    + ports(warmupUrls) + ": the leader did not even listen there yet, so it is still cold;" + FIX);
        }
        if (leaderServed != null && leaderServed * 2 < answered) {
            throw new ThawException(ThawException.EXIT_USAGE, "another process answered " + (answered - leaderServed) + " of the "
                    + answered + " warm-up requests on " + ports(warmupUrls) + " (the leader served " + leaderServed
                    + "), so the leader is still cold:" + FIX);
        }
    }

    /** The ports the warm-up's URLs name. */
    static Set<Integer> portsOf(List<URI> urls) {
        return urls.stream().map(SharedPort::port).collect(Collectors.toSet());
    }

    private static String ports(List<URI> urls) {
        List<String> ports = urls.stream().map(u -> u.getHost() + ":" + port(u)).distinct().toList();
        return (ports.size() == 1 ? "port " : "ports ") + String.join(", ", ports);
    }

    private static int port(URI url) {
        return url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
    }
}
