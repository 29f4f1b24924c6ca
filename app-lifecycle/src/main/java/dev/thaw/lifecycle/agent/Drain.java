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
 * second finds the socket closed, and the JVM exits once both waits are over. Netty is left to the app
 * (Spring Boot's graceful shutdown for WebFlux): the drain only waits for the requests in flight. An app
 * whose server the agent did not recognize, or that counts its requests itself, is not touched.
 */
public final class Drain {
    static final String TIMEOUT_PROPERTY = "thaw.drain-timeout";
    static final long QUIET_MILLIS = 300;
    /** Servers whose listening sockets the drain closes itself. */
    private static final List<String> CLOSES_LISTENERS_OF = List.of("JDK HttpServer", "Jetty", "Undertow");

    private static volatile boolean draining;
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
        draining = true;
        long started = System.nanoTime();
        int closed = ServerRequests.closeTomcatSockets();
        boolean ownSockets = servers.stream().anyMatch(s -> CLOSES_LISTENERS_OF.stream().anyMatch(s::startsWith));
        if (ownSockets) {
            ServerRequests.stopJettyAcceptors();
            closed += closeListeners();
        }
        // Netty's connections never get Connection: close from thaw, so a keep-alive client keeps them busy:
        // there the drain waits for the requests in flight only, and leaves the connections to the app.
        boolean waitForQuiet = ownSockets || closed > 0;
        long bound = TimeUnit.SECONDS.toNanos(Long.getLong(TIMEOUT_PROPERTY, 60));
        int inFlight = Requests.snapshot().inFlight();
        System.err.println("thaw: draining: " + (closed > 0 ? closed + " listening socket(s) closed, " : "") + inFlight
                + " request(s) in flight");
        try {
            while (System.nanoTime() - started < bound) {
                boolean quiet = !waitForQuiet
                        || System.nanoTime() - Math.max(started, Requests.lastBeginNanos()) >= TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS);
                if (Requests.snapshot().inFlight() == 0 && quiet) {
                    System.err.println("thaw: drained in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
                    return;
                }
                Thread.sleep(10);
            }
            System.err.println("thaw: " + Requests.snapshot().inFlight() + " request(s) still in flight after -D" + TIMEOUT_PROPERTY
                    + "=" + TimeUnit.NANOSECONDS.toSeconds(bound) + " s: exiting");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
