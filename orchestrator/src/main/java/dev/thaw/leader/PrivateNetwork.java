package dev.thaw.leader;

import dev.thaw.ThawException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace of its own, with nothing but loopback, for a leader that must not meet the
 * servers already running here: a pool serving the app's port would answer the leader's readiness
 * probe and take its warm-up, and the leader could not bind the port at all without SO_REUSEPORT.
 * CRIU runs inside the same namespace, so the image records no network namespace and workers are
 * restored into the pool's. The cost: the leader reaches no other host while it warms up.
 */
public final class PrivateNetwork {
    /** Set in the environment of the command run inside, so that it does not wrap itself again. */
    public static final String INSIDE = "THAW_IN_PRIVATE_NETWORK";

    private PrivateNetwork() {
    }

    public static boolean inside() {
        return "1".equals(System.getenv(INSIDE));
    }

    /** {@code command}, run in a new network namespace whose loopback is up. */
    public static List<String> wrap(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("unshare", "--net", "--", "sh", "-c", "ip link set lo up && exec \"$@\"", "thaw"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Refuses a warm-up URL that something already answers before the leader starts: that server,
     * not the leader, would pass the readiness probe and take the warm-up.
     */
    public static void requireNothingServes(URI url) {
        int port = url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(url.getHost(), port), 500);
        } catch (IOException nothingThere) {
            return;
        }
        throw new ThawException(ThawException.EXIT_USAGE, url.getHost() + ":" + port + " already accepts connections before the leader started"
                + " (a running pool?): the leader's readiness probe and warm-up would go to it; stop it, or add --private-network"
                + " (or send USR2 to the running pool)");
    }
}
