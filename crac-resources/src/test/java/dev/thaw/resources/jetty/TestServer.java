package dev.thaw.resources.jetty;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

import dev.thaw.testkit.Http;

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

    /** GET over a connection of its own, closed after the response; the body of a 200, anything else fails. */
    static String get(int port, String path) throws IOException {
        Http.Response response = Http.get(port, path);
        if (response.status() != 200) throw new IOException("unexpected response: " + response.status() + " " + response.body());
        return response.body();
    }
}
