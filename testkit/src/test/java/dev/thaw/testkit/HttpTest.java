package dev.thaw.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpTest {
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    private HttpServer server;
    private int port;

    @BeforeEach
    void startServer() throws Exception {
        port = FreePort.pick();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        server.createContext("/", exchange -> {
            clientPorts.add(exchange.getRemoteAddress().getPort());
            byte[] body = "{\"path\":\"%s\"}".formatted(exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/missing") ? 404 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void every_request_has_a_connection_of_its_own_even_to_a_server_that_keeps_them_alive() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, Http.get(port, "/").status());
        }
        assertEquals(3, clientPorts.size(), "client ports seen by the server: " + clientPorts);
    }

    @Test
    void the_connection_is_closed_before_the_response_is_returned() throws Exception {
        Http.get(port, "/");
        server.stop(0); // closes the server's side; what is left touching the port is the client's
        server = null;
        assertEquals(List.of(), TcpSockets.heldTouchingPort(port));
    }

    @Test
    void status_header_body_and_json_are_read() throws Exception {
        Http.Response found = Http.get(port, "/items?q=1");
        assertEquals(200, found.status());
        assertEquals("application/json", found.header("content-type"));
        assertEquals("/items?q=1", found.json().path("path").asText());
        assertEquals(404, Http.get(port, "/missing").status());
    }

    @Test
    void a_port_nothing_listens_on_is_a_ConnectException() {
        server.stop(0);
        server = null;
        assertThrows(ConnectException.class, () -> Http.get(port, "/"));
        assertTrue(!TcpSockets.isListening(port));
    }
}
