package dev.thaw.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WarmupTest {
    @Test
    void warms_up_like_real_traffic_in_parallel_and_on_new_connections_as_well_as_kept_alive_ones() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
        Set<String> accepts = ConcurrentHashMap.newKeySet();
        Map<Integer, List<String>> connectionHeaders = new ConcurrentHashMap<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            requests.incrementAndGet();
            clientPorts.add(exchange.getRemoteAddress().getPort());
            accepts.add(String.valueOf(exchange.getRequestHeaders().get("Accept")));
            connectionHeaders.computeIfAbsent(exchange.getRemoteAddress().getPort(), p -> new CopyOnWriteArrayList<>())
                    .add(String.valueOf(exchange.getRequestHeaders().getFirst("Connection")));
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        try (Warmup warmup = new Warmup(List.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health?x=1")))) {
            assertEquals(new Warmup.Sent(40, 0), warmup.send(40, line -> { }));
        } finally {
            server.stop(0);
        }
        assertEquals(40, requests.get());
        assertTrue(maxInFlight.get() >= 2, "requests in parallel: at most " + maxInFlight.get() + " at once");
        assertTrue(clientPorts.size() >= 40 / Warmup.FRESH_EVERY, "new connections: " + clientPorts.size() + " client ports");
        assertTrue(clientPorts.size() < 40, "and kept-alive ones: " + clientPorts.size() + " client ports for 40 requests");
        assertEquals(Set.of("[*/*]"), accepts, "every request, kept alive or not, accepts anything, as curl's do");
        List<String> onePerConnection = connectionHeaders.values().stream().filter(l -> l.size() == 1).map(l -> l.get(0)).toList();
        assertTrue(onePerConnection.contains("close"), "some connections closed by the server: " + onePerConnection);
        assertTrue(onePerConnection.contains("null"), "and some by the client, after one answer it read: " + onePerConnection);
    }
}
