package dev.thaw.engine;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Waits for the leader to answer HTTP 200, then sends the warm-up requests (round robin over the
 * URLs) so that classes are loaded, caches filled and hot paths compiled before the dump.
 */
final class Warmup implements AutoCloseable {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
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

    /** Sends {@code count} requests; returns how many did not answer 200. */
    int send(int count, Progress progress) {
        int failures = 0;
        int step = Math.max(1, count / 10);
        for (int i = 1; i <= count; i++) {
            if (status(urls.get((i - 1) % urls.size())) != 200) {
                failures++;
            }
            if (i % step == 0 || i == count) {
                progress.say("warm-up " + i + "/" + count + (failures > 0 ? " (" + failures + " not 200)" : ""));
            }
        }
        return failures;
    }

    private int status(URI url) {
        try {
            HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).GET().build();
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
