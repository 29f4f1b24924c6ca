package dev.thaw.metrics;

import dev.thaw.ThawException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The HTTP endpoint of {@code thaw run}. It only reads what {@link PoolMetrics} holds, so a slow or
 * hostile client can never hold up the supervisor.
 * <ul>
 *   <li>{@code /metrics}: Prometheus text format</li>
 *   <li>{@code /healthz}: 200 while the supervisor loop turns (liveness)</li>
 *   <li>{@code /readyz}: 200 while at least --min-ready-workers workers are ready, else 503 (readiness)</li>
 *   <li>{@code /status}: the pool as JSON, the same as {@code thaw status --json}</li>
 * </ul>
 */
public final class MetricsEndpoint implements AutoCloseable {
    /** The loop turns at least once a second; ten seconds without a turn means it is stuck. */
    static final Duration STUCK_AFTER = Duration.ofSeconds(10);

    private final Server server;

    private MetricsEndpoint(Server server) {
        this.server = server;
    }

    /**
     * Binds and starts serving, before any worker is restored, so that a taken port fails the run at once.
     * Returns an endpoint that does nothing when {@code --http-address off}.
     */
    public static MetricsEndpoint start(EndpointSettings settings, PoolMetrics metrics, PrintStream out) {
        if (settings.address().isEmpty()) {
            return new MetricsEndpoint(null);
        }
        InetSocketAddress address = settings.address().get();
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setName("thaw-http");
        threads.setDaemon(true);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost(address.getHostString());
        connector.setPort(address.getPort());
        connector.setIdleTimeout(30_000);
        server.addConnector(connector);
        server.setHandler(new Routes(metrics));
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            throw bindFailure(address, e);
        }
        out.println("thaw: http endpoint on http://" + hostForUrl(address) + ":" + connector.getLocalPort()
                + " (/metrics /healthz /readyz /status)");
        return new MetricsEndpoint(server);
    }

    private static ThawException bindFailure(InetSocketAddress address, Exception e) {
        String given = hostForUrl(address) + ":" + address.getPort();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException b) {
                String why = String.valueOf(b.getMessage()).toLowerCase().contains("in use") ? "is in use by another process"
                        : "cannot be bound (" + b.getMessage() + ")";
                return new ThawException(ThawException.EXIT_USAGE, "--http-address " + given + " " + why
                        + ": pick a free one with --http-address HOST:PORT, or disable the endpoint with --http-address off");
            }
        }
        return new ThawException(ThawException.EXIT_USAGE, "cannot serve --http-address " + given + ": " + e.getMessage()
                + ": pick another with --http-address HOST:PORT, or disable the endpoint with --http-address off");
    }

    private static String hostForUrl(InetSocketAddress a) {
        String host = a.getHostString();
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** The port it listens on (the kernel's pick for port 0); -1 when off. */
    public int port() {
        return server == null ? -1 : ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    public void close() {
        if (server != null) {
            stopQuietly(server);
        }
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // stopping an endpoint that failed to start, or at exit: nothing left to do
        }
    }

    /** The four paths; anything else is a 404, anything but GET or HEAD a 405. */
    private static final class Routes extends Handler.Abstract {
        private final PoolMetrics metrics;

        Routes(PoolMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
                send(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "text/plain", "only GET and HEAD\n");
                return true;
            }
            switch (path) {
                case "/metrics" -> send(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
                case "/healthz" -> health(response, callback);
                case "/readyz" -> readiness(response, callback);
                case "/status" -> send(response, callback, metrics.status().isPresent() ? 200 : 503, "application/json",
                        metrics.status().map(s -> s.toJson()).orElse("{\"error\":\"the pool has not started yet\"}"));
                default -> {
                    return false;
                }
            }
            return true;
        }

        private void health(Response response, Callback callback) {
            boolean alive = metrics.sinceLastTurn().map(d -> d.compareTo(STUCK_AFTER) < 0).orElse(true);
            send(response, callback, alive ? 200 : 503, "text/plain", alive ? "ok\n"
                    : "supervisor loop stuck for " + metrics.sinceLastTurn().map(Duration::toSeconds).orElse(0L) + " s\n");
        }

        private void readiness(Response response, Callback callback) {
            int ready = metrics.readyWorkers();
            boolean ok = ready >= metrics.minReadyWorkers();
            send(response, callback, ok ? 200 : 503, "text/plain",
                    (ok ? "ready: " : "not ready: ") + ready + " of at least " + metrics.minReadyWorkers() + " workers ready\n");
        }

        private static void send(Response response, Callback callback, int status, String type, String body) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type.contains("charset") ? type : type + "; charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            Content.Sink.write(response, true, body, callback);
        }
    }
}
