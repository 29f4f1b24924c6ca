package dev.thaw.it;

import dev.thaw.testkit.FreePort;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The outside services ResourcesApp calls, on loopback in the test JVM: an HTTP upstream and a line
 * protocol "greeter". Both count the connections they accepted, so a test can tell whether a worker
 * opened its own or used one the leader had.
 */
final class ResourcesUpstream implements AutoCloseable {
    final HttpServer http;
    final ServerSocket greeter;
    /** Client ports of the HTTP connections seen: one per connection, since each has its own. */
    final Set<Integer> httpClientPorts = new ConcurrentSkipListSet<>();
    final AtomicInteger greeterConnections = new AtomicInteger();

    private ResourcesUpstream(HttpServer http, ServerSocket greeter) {
        this.http = http;
        this.greeter = greeter;
    }

    static ResourcesUpstream start() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", FreePort.pick()), 50);
        ServerSocket greeter = new ServerSocket();
        greeter.bind(new InetSocketAddress("127.0.0.1", FreePort.pick()));
        ResourcesUpstream upstream = new ResourcesUpstream(http, greeter);
        http.createContext("/", exchange -> {
            int clientPort = exchange.getRemoteAddress().getPort();
            upstream.httpClientPorts.add(clientPort);
            byte[] body = ("hello from upstream to port " + clientPort).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        Thread.ofVirtual().start(upstream::acceptGreeters);
        return upstream;
    }

    String httpUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/";
    }

    int greeterPort() {
        return greeter.getLocalPort();
    }

    private void acceptGreeters() {
        while (!greeter.isClosed()) {
            try {
                Socket s = greeter.accept();
                greeterConnections.incrementAndGet();
                Thread.ofVirtual().start(() -> greet(s));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void greet(Socket socket) {
        try (socket; BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
            PrintWriter out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
            String name;
            while ((name = in.readLine()) != null) {
                out.println("hello, " + name);
            }
        } catch (IOException gone) {
            // the client closed its connection
        }
    }

    @Override
    public void close() throws IOException {
        http.stop(0);
        greeter.close();
    }
}
