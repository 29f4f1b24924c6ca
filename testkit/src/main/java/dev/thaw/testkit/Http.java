package dev.thaw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * GET on 127.0.0.1 over a connection of its own, closed before the response is returned, with the
 * JDK's HttpClient.
 *
 * <p>Why a connection per request: workers share a port through SO_REUSEPORT, which spreads
 * connections, not requests, so a pooled connection would always reach the same worker; and tests
 * that list the sockets this process holds (at a checkpoint, none may touch the app's port) must not
 * find one the test's own client kept alive. Each request therefore gets a client of its own, which
 * is closed (on JDK 21 and later; before that it is collected) as soon as the response is read.
 */
public final class Http {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(10);
    private Http() {
    }

    /** A response read whole; the body as UTF-8 text. */
    public record Response(int status, HttpHeaders headers, String body) {
        /** The first value of a header, or null when the response has none. */
        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public JsonNode json() throws IOException {
            return Json.MAPPER.readTree(body);
        }
    }

    /** Loaded on the first json() only: a plain GET costs no Jackson start-up. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    /** GET with a 2 s connect timeout and 10 s for the response. A refused connection is a {@link java.net.ConnectException}. */
    public static Response get(int port, String path) throws IOException {
        return get(port, path, CONNECT_TIMEOUT, RESPONSE_TIMEOUT);
    }

    /** GET that gives up after {@code timeout}, to connect and again to be answered. */
    public static Response get(int port, String path, Duration timeout) throws IOException {
        return get(port, path, timeout, timeout);
    }

    private static Response get(int port, String path, Duration connectTimeout, Duration responseTimeout) throws IOException {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade attempt: the servers under test speak HTTP/1.1
                .connectTimeout(connectTimeout)
                .build();
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(responseTimeout)
                    .GET()
                    .build();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for GET " + path + " on port " + port);
        } finally {
            close(client);
        }
    }

    /** HttpClient is AutoCloseable from JDK 21 on; this module compiles for 17, where it is not. */
    private static void close(HttpClient client) {
        if (client instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing an HttpClient failed", e);
            }
        }
    }
}
