package dev.thaw.control;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * How many control connections a peer may hold at once, so that no local process can exhaust thaw's
 * threads and file descriptors by opening connections: each holds a thread and a descriptor until it
 * closes (or for {@link ControlServer#HELLO_TIMEOUT_MILLIS} when it says nothing).
 *
 * <ul>
 *   <li>Per user, as {@code SO_PEERCRED} names it: {@link #PER_USER}, a pool's largest size (one
 *       connection per worker) and room for the CLI and reconnects.
 *   <li>Per PID namespace other than thaw's own: {@link #PER_NAMESPACE}. A worker holds one connection
 *       (two while it reconnects); everything it forks shares its namespace, so a compromised worker
 *       cannot fill its user's quota and keep the other workers of that user from reconnecting.
 * </ul>
 *
 * A connection beyond either cap is closed at once. Refusals are logged at most once a minute per user
 * or namespace, with the count refused since the last line: a flood costs a line a minute, not one per
 * connection.
 */
final class ConnectionQuota {
    static final int PER_USER = 1024 + 64;
    static final int PER_NAMESPACE = 8;
    static final long LOG_EVERY_NANOS = 60_000_000_000L;

    private final int perUser;
    private final int perNamespace;
    private final Function<PeerCredentials, Optional<String>> namespaceOf;
    private final Consumer<String> log;
    private final LongSupplier nanoTime;
    private final Map<String, Integer> open = new HashMap<>();
    /** Per key refused: when it was last logged, and how many were refused since. */
    private final Map<String, long[]> refused = new HashMap<>();

    ConnectionQuota(int perUser, int perNamespace, Function<PeerCredentials, Optional<String>> namespaceOf, Consumer<String> log,
                    LongSupplier nanoTime) {
        this.perUser = perUser;
        this.perNamespace = perNamespace;
        this.namespaceOf = namespaceOf;
        this.log = log;
        this.nanoTime = nanoTime;
    }

    /** thaw's own: the kernel names each peer's namespace, refusals go to stderr. */
    static ConnectionQuota standard() {
        return new ConnectionQuota(PER_USER, PER_NAMESPACE, PeerCredentials::foreignPidNamespace, System.err::println, System::nanoTime);
    }

    /**
     * Counts a new connection of {@code peer} in, or refuses it.
     *
     * @return what gives its place back when it closes; empty when it is refused (close it)
     */
    Optional<Runnable> admit(PeerCredentials peer) {
        String user = "uid " + peer.uid();
        Optional<String> namespace = namespaceOf.apply(peer).map(ns -> "PID namespace " + ns + " (uid " + peer.uid() + ")");
        synchronized (this) {
            if (full(user, perUser, peer) || namespace.isPresent() && full(namespace.get(), perNamespace, peer)) {
                return Optional.empty();
            }
            open.merge(user, 1, Integer::sum);
            namespace.ifPresent(ns -> open.merge(ns, 1, Integer::sum));
        }
        return Optional.of(() -> {
            synchronized (this) {
                release(user);
                namespace.ifPresent(this::release);
            }
        });
    }

    private boolean full(String key, int cap, PeerCredentials peer) {
        if (open.getOrDefault(key, 0) < cap) {
            return false;
        }
        long now = nanoTime.getAsLong();
        long[] seen = refused.get(key);
        if (seen == null || now - seen[0] >= LOG_EVERY_NANOS) {
            log.accept("thaw: control socket: " + key + " holds " + cap + " connections, the most it may: refused one from pid "
                    + peer.pid() + (seen == null ? "" : " and " + seen[1] + " more since the last line") + "; its new ones are refused"
                    + " until it closes some (said at most once a minute)");
            refused.put(key, new long[] {now, 0});
        } else {
            seen[1]++;
        }
        return true;
    }

    private void release(String key) {
        int left = open.merge(key, -1, Integer::sum);
        if (left <= 0) {
            open.remove(key);
            refused.remove(key); // a namespace whose worker is gone is forgotten
        }
    }

    /** Connections held now by {@code uid}, for the tests. */
    synchronized int openBy(int uid) {
        return open.getOrDefault("uid " + uid, 0);
    }
}
