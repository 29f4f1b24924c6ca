package dev.thaw.resources.jetty;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.crac.Context;
import org.crac.Resource;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Takes a Jetty 12 server off the network for a checkpoint and puts it back after restore.
 *
 * <p>{@link #beforeCheckpoint} closes every listening socket, waits (up to the drain timeout) for the
 * requests in flight to be answered, then stops the connectors, which closes every remaining
 * connection: CRIU cannot checkpoint a process holding TCP sockets. {@link #afterRestore} turns on
 * SO_REUSEPORT and starts the connectors again, so that several workers restored from the same image
 * can all bind the same port and let the kernel spread connections among them.
 *
 * <p>Create it after the server's connectors have been added: it attaches its request counter to
 * their {@link HttpConfiguration}s. The server itself, its handlers and thread pool keep running.
 * Register it with org.crac after the resources its handlers use (a pool, a client), so that it is
 * drained before them and started after them.
 */
public final class JettyConnectors implements Resource {

    /** How long a connection must have been silent before the drain may close it unanswered. */
    private static final Duration QUIET = Duration.ofMillis(200);

    private final Server server;
    private final Duration drainTimeout;
    private final InFlightRequests inFlight = new InFlightRequests();
    /** The connectors this resource stopped, and will start again; empty while serving. */
    private final List<Connector> stoppedForCheckpoint = new ArrayList<>();

    public JettyConnectors(Server server, Duration drainTimeout) {
        this.server = Objects.requireNonNull(server, "server");
        this.drainTimeout = Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must not be negative, got " + drainTimeout);
        }
        countRequestsOf(server.getConnectors());
    }

    /** A connector for {@code host:port} with SO_REUSEPORT on, not yet added to the server. */
    public static ServerConnector newReusePortConnector(Server server, String host, int port) {
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        connector.setReusePort(true);
        return connector;
    }

    @Override
    public synchronized void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
        drain();
    }

    /**
     * Stops accepting, lets the requests in flight finish (up to the drain timeout) and closes the
     * connectors. Checkpoints use it, and so should a graceful shutdown (TERM from thaw during a
     * rolling restart): with SO_REUSEPORT and net.ipv4.tcp_migrate_req, connections still waiting in
     * this worker's accept queue move to another worker when the listening socket closes.
     */
    public synchronized void drain() throws Exception {
        List<Connector> running = runningConnectors();
        if (running.isEmpty()) return;

        List<Integer> ports = localPorts(running);
        // From here on afterRestore owns bringing them back, even if a step below fails.
        stoppedForCheckpoint.addAll(running);
        inFlight.startDraining();
        try {
            closeListeningSockets(running);
            drain(running);
        } finally {
            stopConnectors(running);
        }
        log("connectors on port(s) " + ports + " stopped");
    }

    @Override
    public synchronized void afterRestore(Context<? extends Resource> context) throws Exception {
        if (stoppedForCheckpoint.isEmpty()) return;

        inFlight.stopDraining();
        Exception failure = null;
        for (Connector connector : stoppedForCheckpoint) {
            try {
                if (connector instanceof ServerConnector serverConnector) {
                    serverConnector.setReusePort(true);
                }
                connector.start();
            } catch (Exception e) {
                failure = addFailure(failure, e);
            }
        }
        List<Integer> ports = localPorts(stoppedForCheckpoint);
        stoppedForCheckpoint.clear();
        if (failure != null) throw failure;
        log("connectors started with SO_REUSEPORT on port(s) " + ports);
    }

    private void countRequestsOf(Connector[] connectors) {
        // Several connectors may share one HttpConfiguration; attach the counter once to each.
        Set<HttpConfiguration> configurations = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Connector connector : connectors) {
            for (ConnectionFactory factory : connector.getConnectionFactories()) {
                if (factory instanceof HttpConfiguration.ConnectionFactory http) {
                    configurations.add(http.getHttpConfiguration());
                }
            }
        }
        for (HttpConfiguration configuration : configurations) {
            configuration.addCustomizer(inFlight);
        }
    }

    private List<Connector> runningConnectors() {
        List<Connector> running = new ArrayList<>();
        for (Connector connector : server.getConnectors()) {
            if (connector.isStarted()) running.add(connector);
        }
        return running;
    }

    /**
     * Closing the listening socket right away, instead of only pausing accepts, lets the kernel hand new
     * connections to the other processes bound to the port rather than queueing them here.
     */
    private static void closeListeningSockets(List<Connector> connectors) throws IOException {
        for (Connector connector : connectors) {
            if (connector instanceof NetworkConnector network) {
                network.close();
            }
            // NetworkConnector.close() leaves the channel open when the connector accepts through its
            // selector (acceptors = 0); it would then only be closed by stop().
            if (connector.getTransport() instanceof ServerSocketChannel channel) {
                channel.close();
            }
        }
    }

    /**
     * Waits, within the drain timeout, until no request is in flight and no connection has seen
     * traffic for {@link #QUIET}. The second condition matters: a connection accepted just before the
     * listening socket closed may not have had its request read yet, so it is not in flight, and
     * stopping the connector now would close it unanswered. Once every connection is quiet, any request
     * that arrived has been answered and the rest are idle keep-alives, which clients expect to find
     * closed.
     */
    private void drain(List<Connector> running) throws InterruptedException {
        int draining = inFlight.count();
        if (draining > 0) {
            log("draining " + draining + " request(s) in flight, waiting up to " + drainTimeout);
        }
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        // A connection the acceptor took just before the close is handed to a selector
        // asynchronously, and is not among the connected end points until then: give it QUIET.
        Thread.sleep(Math.min(QUIET.toMillis(), drainTimeout.toMillis()));
        while (inFlight.count() > 0 || !allQuiet(running)) {
            if (System.nanoTime() >= deadline) {
                log(inFlight.count() + " request(s) still in flight after " + drainTimeout + "; closing their connections");
                return;
            }
            Thread.sleep(10);
        }
    }

    private static boolean allQuiet(List<Connector> running) {
        return running.stream().flatMap(c -> c.getConnectedEndPoints().stream())
                .allMatch(e -> !e.isOpen() || idleMillis(e) >= QUIET.toMillis());
    }

    /** Jetty's end points track their idle time (IdleTimeout); any other kind is treated as idle. */
    private static long idleMillis(EndPoint e) {
        return e instanceof IdleTimeout t ? t.getIdleFor() : Long.MAX_VALUE;
    }

    private static void stopConnectors(List<Connector> connectors) throws Exception {
        Exception failure = null;
        for (Connector connector : connectors) {
            try {
                connector.stop();
            } catch (Exception e) {
                failure = addFailure(failure, e);
            }
        }
        if (failure != null) throw failure;
    }

    private static List<Integer> localPorts(List<Connector> connectors) {
        List<Integer> ports = new ArrayList<>();
        for (Connector connector : connectors) {
            if (connector instanceof NetworkConnector network) ports.add(network.getLocalPort());
        }
        return ports;
    }

    private static Exception addFailure(Exception first, Exception next) {
        if (first == null) return next;
        first.addSuppressed(next);
        return first;
    }

    private static void log(String message) {
        System.err.println("thaw-resources: jetty: " + message);
    }
}
