package dev.thaw.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** A TCP port on 127.0.0.1 that nothing is bound to now. */
public final class FreePort {
    private static final int LOWEST = 20_000;
    private static final int BELOW = 32_000;

    private FreePort() {
    }

    /**
     * A random free port below the kernel's ephemeral range (32768-60999): a port from bind(0) could be
     * taken by any outgoing connection in the gap between this check and the server's own bind.
     */
    public static int pick() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int candidate = random.nextInt(LOWEST, BELOW);
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress("127.0.0.1", candidate));
                return candidate;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port between " + LOWEST + " and " + BELOW);
    }
}
