package dev.thaw.lifecycle.agent;

import dev.thaw.lifecycle.Requests;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Graceful drain of an unchanged app when thaw retires its worker (TERM: a HUP roll, a scale-down,
 * max-requests, a refork roll, thaw's own stop). A shutdown hook of the worker's:
 * <ol>
 *   <li>marks the drain, from which the recognized server's responses carry {@code Connection: close}
 *       (ServerRequests), so a keep-alive client opens its next connection to another worker instead of
 *       sending a request on a connection about to close;</li>
 *   <li>closes the app's listening TCP sockets when its server is one the agent drains (the JDK's
 *       HttpServer, Jetty, Undertow; Tomcat through its own API, below): with SO_REUSEPORT, new connections then go to the other workers, and
 *       net.ipv4.tcp_migrate_req (set by thaw run) moves those still in this worker's accept queue;</li>
 *   <li>waits, up to {@code -Dthaw.drain-timeout} seconds (60; thaw run's --graceful-timeout KILLs first
 *       when shorter), until no request is in flight and none began for {@link #QUIET_MILLIS}: by then
 *       every busy connection got its {@code Connection: close}, and the rest are idle.</li>
 * </ol>
 * Tomcat's connectors are closed through Tomcat's own {@code closeServerSocketGraceful}, the call Spring
 * Boot's graceful shutdown (server.shutdown=graceful, its default since 3.4) makes: when both run, the
 * second finds the socket closed; a Tomcat connector's pause or stop, where Tomcat closes its keep-alive
 * connections, waits for this drain first (ServerRequests.enterTomcatStop). Netty's sockets are left to
 * the app (Spring Boot's graceful shutdown for WebFlux): the drain marks its responses {@code Connection:
 * close} and waits for the requests in flight only. An app
 * whose server the agent did not recognize, or that counts its requests itself, is not touched.
 */
public final class Drain {
    static final String TIMEOUT_PROPERTY = "thaw.drain-timeout";
    static final long QUIET_MILLIS = 300;
    /** Servers whose listening sockets the drain closes itself. */
    private static final List<String> CLOSES_LISTENERS_OF = List.of("JDK HttpServer", "Jetty", "Undertow");

    static final long DEFAULT_TIMEOUT_SECONDS = 60;
    private static volatile boolean draining;
    private static volatile long drainStartedNanos;
    private static final Set<ServerSocketChannel> LISTENERS = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private Drain() {
    }

    /** True once the worker drains: responses from then on close their connection. */
    public static boolean draining() {
        return draining;
    }

    /** Every NIO server socket the JVM creates (rewritten JDK constructor, through Tracker). */
    static void listenerCreated(ServerSocketChannel channel) {
        LISTENERS.add(channel);
    }

    /** In a restored worker: drain on TERM. Once per JVM: a worker restored from a refork's image has it already. */
    public static synchronized void installShutdownHook() {
        if (!hookInstalled) {
            hookInstalled = true;
            Runtime.getRuntime().addShutdownHook(new Thread(Drain::run, "thaw-drain"));
        }
    }

    private static boolean hookInstalled;

    static void run() {
        List<String> servers = ServerRequests.recognizedServers();
        if (servers.isEmpty() || Requests.countedByApp()) {
            return; // a server thaw does not know, or an app that drains itself (thaw's Jetty resource)
        }
        long started = System.nanoTime();
        drainStartedNanos = started;
        draining = true;
        int closed = ServerRequests.closeTomcatSockets();
        boolean ownSockets = servers.stream().anyMatch(s -> CLOSES_LISTENERS_OF.stream().anyMatch(s::startsWith));
        if (ownSockets) {
            ServerRequests.stopJettyAcceptors();
            closed += closeListeners();
        }
        // Netty's listening socket stays open until the app closes it, so new connections keep coming:
        // there the drain waits for the requests in flight only, and leaves the connections to the app.
        boolean waitForQuiet = ownSockets || closed > 0;
        int inFlight = Requests.snapshot().inFlight();
        System.err.println("thaw: draining: " + (closed > 0 ? closed + " listening socket(s) closed, " : "") + inFlight
                + " request(s) in flight");
        if (awaitDrained(waitForQuiet)) {
            System.err.println("thaw: drained in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
        } else {
            System.err.println("thaw: " + Requests.snapshot().inFlight() + " request(s) still in flight after -D" + TIMEOUT_PROPERTY
                    + "=" + Long.getLong(TIMEOUT_PROPERTY, DEFAULT_TIMEOUT_SECONDS) + " s: exiting");
        }
    }

    /**
     * Waits, at most {@code -Dthaw.drain-timeout} seconds from the drain's start, until no request is in flight
     * and, with {@code quiet}, none began for {@link #QUIET_MILLIS}. False when the time ran out.
     */
    static boolean awaitDrained(boolean quiet) {
        long deadline = drainStartedNanos + TimeUnit.SECONDS.toNanos(Long.getLong(TIMEOUT_PROPERTY, DEFAULT_TIMEOUT_SECONDS));
        try {
            while (System.nanoTime() < deadline) {
                boolean calm = !quiet || System.nanoTime() - Math.max(drainStartedNanos, Requests.lastBeginNanos())
                        >= TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS);
                if (Requests.snapshot().inFlight() == 0 && calm) {
                    return true;
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** Closes the open TCP listening sockets; returns how many. */
    private static int closeListeners() {
        List<ServerSocketChannel> open;
        synchronized (LISTENERS) {
            open = new ArrayList<>(LISTENERS);
        }
        int closed = 0;
        for (ServerSocketChannel channel : open) {
            try {
                if (channel.isOpen() && channel.getLocalAddress() instanceof InetSocketAddress) {
                    channel.close();
                    closed++;
                }
            } catch (IOException | RuntimeException e) {
                // closed by the server meanwhile
            }
        }
        return closed;
    }
}
