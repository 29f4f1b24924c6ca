package dev.thaw.resources.jetty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A real Jetty server answering {@code <name>} on any path; {@code /slow} first signals
 * {@link #slowRequestEntered} and then waits for {@link #releaseSlowRequests}.
 */
final class TestServer implements AutoCloseable {

    final Server server = new Server();
    final ServerConnector connector;
    final CountDownLatch slowRequestEntered = new CountDownLatch(1);
    private final CountDownLatch slowRequestsReleased = new CountDownLatch(1);

    /** A server with a plain connector (no SO_REUSEPORT) on 127.0.0.1:port. */
    TestServer(String name, int port) throws Exception {
        this(name, server -> {
            ServerConnector plain = new ServerConnector(server);
            plain.setHost("127.0.0.1");
            plain.setPort(port);
            return plain;
        });
    }

    TestServer(String name, Function<Server, ServerConnector> newConnector) throws Exception {
        connector = newConnector.apply(server);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                if (Request.getPathInContext(request).equals("/slow")) {
                    slowRequestEntered.countDown();
                    slowRequestsReleased.await();
                }
                response.write(true, StandardCharsets.UTF_8.encode(name), callback);
                return true;
            }
        });
        server.start();
    }

    void releaseSlowRequests() {
        slowRequestsReleased.countDown();
    }

    @Override
    public void close() {
        releaseSlowRequests();
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the test server failed", e);
        }
    }

    /** GET over a fresh connection closed after the response; returns the body. */
    static String get(int port, String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = readAll(socket.getInputStream());
            if (!response.startsWith("HTTP/1.1 200")) throw new IOException("unexpected response: " + response);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        in.transferTo(bytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
