package dev.thaw.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.crac.Context;
import org.crac.Resource;

/**
 * The outbound HTTP client behind {@code /quote}. Its pooled keep-alive connections and selector thread
 * must not be in the checkpoint image, so it is closed before the checkpoint and a fresh client is made
 * after restore.
 */
final class UpstreamClient implements Resource {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final String baseUrl;
    private volatile HttpClient client = newClient();

    UpstreamClient(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    String baseUrl() {
        return baseUrl;
    }

    HttpResponse<String> getPrice(int productId) throws IOException, InterruptedException {
        HttpClient current = client;
        if (current == null) throw new IOException("outbound HTTP is closed for a checkpoint");
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/internal/price?id=" + productId))
                .timeout(REQUEST_TIMEOUT)
                .GET()
                .build();
        return current.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        close();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        client = newClient();
    }

    /** Waits for requests under way, then closes every connection and stops the client's threads. */
    void close() {
        HttpClient closing = client;
        client = null;
        if (closing != null) closing.close();
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
    }
}
