package dev.thaw.leader;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Waits for the leader to answer HTTP 200, then sends the warm-up requests (round robin over the
 * URLs) so that classes are loaded, caches filled and hot paths compiled before the dump.
 *
 * <p>The warm-up looks like real traffic, because the JIT compiles for what it saw: code compiled
 * for one sequential keep-alive connection is thrown away (deoptimized) on a worker's first requests
 * when they come in parallel and on new connections, and the worker runs slowly until it is compiled
 * again (measured: up to half a core of JIT work in a restored worker's first second). So requests go
 * over {@link #CONNECTIONS} connections at once, over HTTP/1.1 as most clients speak it, and every
 * {@link #FRESH_EVERY}th request on a connection of its own: closed by the server after its answer
 * ({@code Connection: close}) or, every other time, by the client once it has read the answer, as a
 * browser or a load balancer closes an idle kept-alive connection. The server's code for that close is
 * otherwise met first when the warm-up's own connections close, right before the dump, and thrown away
 * there (Tomcat's Http11Processor.service, measured: compiled again in every worker's first second). Every request
 * says {@code Accept: *}{@code /*}, as curl and most HTTP clients do: a framework that negotiates content
 * (Spring's MediaType parsing and sorting) runs code for it that a request without the header skips,
 * and a worker would compile that code in its first second instead of the leader before the dump.
 */
final class Warmup implements AutoCloseable {
    static final int CONNECTIONS = 4;
    static final int FRESH_EVERY = 4;
    static final String ACCEPT = "*/*";
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<URI> urls;

    Warmup(List<URI> urls) {
        this.urls = urls;
    }

    /** Polls the first URL until it answers 200; false when {@code stillAlive} turns false or time runs out. */
    boolean awaitFirst200(Duration timeout, BooleanSupplier stillAlive) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && stillAlive.getAsBoolean()) {
            if (status(urls.get(0)) == 200) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** Sends {@code count} requests over {@link #CONNECTIONS} connections at once. */
    Sent send(int count, Progress progress) {
        return send(count, Long.MAX_VALUE, progress);
    }

    /** What one batch of warm-up requests did: how many were sent, and how many of them did not answer 200. */
    record Sent(int requests, int failed) {
        int answered200() {
            return requests - failed;
        }
    }

    /**
     * Sends requests round robin until {@code duration} has passed (one round of the JIT's settling, see
     * {@link Checkpointer}); bounded in count too, so that a server answering at once cannot spin it.
     */
    Sent sendFor(Duration duration) {
        return send(MAX_REQUESTS_PER_ROUND, System.nanoTime() + duration.toNanos(), null);
    }

    static final int MAX_REQUESTS_PER_ROUND = 1_000_000;

    private Sent send(int count, long deadlineNanos, Progress progress) {
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        int step = Math.max(1, count / 10);
        List<Thread> senders = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            senders.add(Thread.ofVirtual().name("thaw-warmup-" + c).start(() -> {
                for (int i = sent.incrementAndGet(); i <= count && System.nanoTime() < deadlineNanos; i = sent.incrementAndGet()) {
                    URI url = urls.get((i - 1) % urls.size());
                    int status = i % FRESH_EVERY != 0 ? status(url)
                            : statusOnFreshConnection(url, (i / FRESH_EVERY) % 2 == 0 ? Close.BY_SERVER : Close.BY_CLIENT);
                    answered.incrementAndGet();
                    int failed = status == 200 ? failures.get() : failures.incrementAndGet();
                    if (progress != null && (i % step == 0 || i == count)) {
                        progress.say("warm-up " + i + "/" + count + (failed > 0 ? " (" + failed + " not 200)" : ""));
                    }
                }
            }));
        }
        for (Thread t : senders) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new Sent(answered.get(), failures.get());
    }

    /** Who closes a fresh connection after its one request. */
    enum Close { BY_SERVER, BY_CLIENT }

    /** One plain HTTP/1.1 request on a connection of its own, closed after the answer (https goes through the client). */
    private int statusOnFreshConnection(URI url, Close close) {
        if (!"http".equals(url.getScheme())) {
            return status(url);
        }
        int port = url.getPort() < 0 ? 80 : url.getPort();
        String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(url.getHost(), port), 2000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + port
                    + "\r\nAccept: " + ACCEPT + (close == Close.BY_SERVER ? "\r\nConnection: close" : "") + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            return close == Close.BY_SERVER ? statusOf(in.readAllBytes()) : HttpAnswer.readOne(in);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    static int statusOf(byte[] answer) {
        String head = new String(answer, 0, Math.min(answer.length, 12), StandardCharsets.US_ASCII);
        return head.startsWith("HTTP/1.") && head.length() >= 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
    }

    private int status(URI url) {
        try {
            HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).header("Accept", ACCEPT).GET().build();
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Closes the client's connections: none may be open in the leader when it is dumped. */
    @Override
    public void close() {
        client.close();
    }
}
