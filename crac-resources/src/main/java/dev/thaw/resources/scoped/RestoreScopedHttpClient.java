package dev.thaw.resources.scoped;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * An {@link HttpClient} that forwards every call to the current client of a {@link RestoreScoped}.
 * HttpClient is an abstract class, so an interface proxy cannot stand in for it.
 */
final class RestoreScopedHttpClient extends HttpClient {
    private final RestoreScoped<HttpClient> scoped;

    RestoreScopedHttpClient(RestoreScoped<HttpClient> scoped) {
        this.scoped = scoped;
    }

    RestoreScoped<HttpClient> scoped() {
        return scoped;
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return scoped.get().send(request, handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return scoped.get().sendAsync(request, handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        return scoped.get().sendAsync(request, handler, pushPromiseHandler);
    }

    @Override
    public WebSocket.Builder newWebSocketBuilder() {
        return scoped.get().newWebSocketBuilder();
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return scoped.get().cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return scoped.get().connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return scoped.get().followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return scoped.get().proxy();
    }

    @Override
    public SSLContext sslContext() {
        return scoped.get().sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return scoped.get().sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return scoped.get().authenticator();
    }

    @Override
    public Version version() {
        return scoped.get().version();
    }

    @Override
    public Optional<Executor> executor() {
        return scoped.get().executor();
    }

    @Override
    public String toString() {
        return "RestoreScoped HttpClient (" + scoped.builds() + " built)";
    }
}
