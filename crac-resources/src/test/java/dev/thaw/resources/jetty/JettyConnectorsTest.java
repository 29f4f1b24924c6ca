package dev.thaw.resources.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.TcpSockets;

class JettyConnectorsTest {

    private final int port = FreePort.pick();
    // Not the common pool: on a 2-core machine it has one thread, and a blocked client would starve it.
    private final ExecutorService clients = Executors.newCachedThreadPool();

    @AfterEach
    void stopClients() {
        clients.shutdownNow();
    }

    @Test
    void beforeCheckpoint_closes_the_listening_socket_and_afterRestore_serves_again() throws Exception {
        try (TestServer app = new TestServer("app", port)) {
            JettyConnectors connectors = new JettyConnectors(app.server, Duration.ofSeconds(5));
            assertEquals("app", TestServer.get(port, "/"));

            connectors.beforeCheckpoint(null);

            assertFalse(TcpSockets.isListening(port), "nothing may listen on the port at the checkpoint");
            assertEquals(List.of(), TcpSockets.heldWithLocalPort(port));
            assertThrows(ConnectException.class, () -> TestServer.get(port, "/"));

            connectors.afterRestore(null);

            assertTrue(app.connector.isReusePort(), "restored workers share the port through SO_REUSEPORT");
            assertEquals("app", TestServer.get(port, "/"));
        }
    }

    @Test
    void a_connector_accepting_through_its_selector_is_closed_and_reopened_too() throws Exception {
        try (TestServer app = new TestServer("app", server -> {
            ServerConnector noAcceptorThreads = new ServerConnector(server, 0, 1);
            noAcceptorThreads.setHost("127.0.0.1");
            noAcceptorThreads.setPort(port);
            return noAcceptorThreads;
        })) {
            JettyConnectors connectors = new JettyConnectors(app.server, Duration.ofSeconds(5));
            assertEquals("app", TestServer.get(port, "/"));

            connectors.beforeCheckpoint(null);

            assertFalse(TcpSockets.isListening(port));
            assertEquals(List.of(), TcpSockets.heldWithLocalPort(port));

            connectors.afterRestore(null);

            assertEquals("app", TestServer.get(port, "/"));
        }
    }

    @Test
    void beforeCheckpoint_closes_kept_alive_connections() throws Exception {
        try (TestServer app = new TestServer("app", port);
             Socket keptAlive = new Socket("127.0.0.1", port)) {
            JettyConnectors connectors = new JettyConnectors(app.server, Duration.ofSeconds(5));
            keptAlive.setSoTimeout(5_000);
            keptAlive.getOutputStream().write("GET / HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] response = new byte[4096];
            assertTrue(keptAlive.getInputStream().read(response) > 0);
            assertFalse(TcpSockets.heldWithLocalPort(port).isEmpty(), "the server keeps the connection alive");

            connectors.beforeCheckpoint(null);

            assertEquals(List.of(), TcpSockets.heldWithLocalPort(port));
            assertEquals(-1, keptAlive.getInputStream().read(), "the server closed the connection");
        }
    }

    @Test
    void beforeCheckpoint_waits_for_request_in_flight() throws Exception {
        try (TestServer app = new TestServer("answered", port)) {
            JettyConnectors connectors = new JettyConnectors(app.server, Duration.ofSeconds(10));
            CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> getQuietly("/slow"), clients);
            assertTrue(app.slowRequestEntered.await(5, TimeUnit.SECONDS));
            clients.execute(() -> {
                sleep(300);
                app.releaseSlowRequests();
            });

            connectors.beforeCheckpoint(null);

            assertTrue(inFlight.isDone(), "beforeCheckpoint returned before the request was answered");
            assertEquals("answered", inFlight.get());
            assertFalse(TcpSockets.isListening(port));
        }
    }

    @Test
    void beforeCheckpoint_closes_a_request_still_running_after_the_drain_timeout() throws Exception {
        try (TestServer app = new TestServer("too late", port)) {
            JettyConnectors connectors = new JettyConnectors(app.server, Duration.ofMillis(200));
            CompletableFuture<String> stuck = CompletableFuture.supplyAsync(() -> getQuietly("/slow"), clients);
            assertTrue(app.slowRequestEntered.await(5, TimeUnit.SECONDS));
            long start = System.nanoTime();

            connectors.beforeCheckpoint(null);

            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3), "the drain is bounded");
            assertEquals(List.of(), TcpSockets.heldWithLocalPort(port));
            app.releaseSlowRequests();
            assertTrue(stuck.handle((body, failure) -> failure != null).get(5, TimeUnit.SECONDS),
                    "the client of the abandoned request sees its connection closed");
        }
    }

    @Test
    void two_servers_share_one_port_after_restore() throws Exception {
        // Two "workers" restored from images taken of plain connectors, the way a leader is usually built.
        try (TestServer first = new TestServer("first", port)) {
            JettyConnectors firstConnectors = new JettyConnectors(first.server, Duration.ofSeconds(1));
            firstConnectors.beforeCheckpoint(null);
            try (TestServer second = new TestServer("second", port)) {
                JettyConnectors secondConnectors = new JettyConnectors(second.server, Duration.ofSeconds(1));
                secondConnectors.beforeCheckpoint(null);

                firstConnectors.afterRestore(null);
                secondConnectors.afterRestore(null);

                Set<String> answeredBy = new HashSet<>();
                for (int i = 0; i < 400 && answeredBy.size() < 2; i++) { // SO_REUSEPORT spreads by hash: bounded, not 40
                    answeredBy.add(TestServer.get(port, "/"));
                }
                assertEquals(Set.of("first", "second"), answeredBy);
            }
        }
    }

    @Test
    void newReusePortConnector_lets_two_servers_bind_the_same_port() throws Exception {
        try (TestServer first = new TestServer("first", this::newReusePortConnector);
             TestServer second = new TestServer("second", this::newReusePortConnector)) {
            assertEquals(port, first.connector.getLocalPort());
            assertEquals(port, second.connector.getLocalPort());
        }
    }

    private ServerConnector newReusePortConnector(Server server) {
        return JettyConnectors.newReusePortConnector(server, "127.0.0.1", port);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String getQuietly(String path) {
        try {
            return TestServer.get(port, path);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
