package dev.thaw.bench;

import dev.thaw.ThawException;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The app's readiness probe, polled with a new connection each time: when a start ends (the first
 * 200) and when a stopped JVM's port is really closed, so that the next start's "first 200" is its own.
 */
final class Probe {
    private static final long POLL_MILLIS = 2;
    private final URI url;
    private final int readyTimeoutSeconds;
    private final String logs;

    Probe(URI url, int readyTimeoutSeconds, String logs) {
        this.url = url;
        this.readyTimeoutSeconds = readyTimeoutSeconds;
        this.logs = logs;
    }

    /** Polls until the probe answers 200; returns the milliseconds since {@code startedNanos}. */
    long awaitFirst200(long startedNanos, BooleanSupplier alive, String what) throws InterruptedException {
        long deadline = startedNanos + TimeUnit.SECONDS.toNanos(readyTimeoutSeconds);
        while (System.nanoTime() < deadline) {
            if (HttpConnection.getOnce(url, 2000) == 200) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
            }
            if (!alive.getAsBoolean()) {
                throw new ThawException(what + " exited before answering " + url + ": see its log in " + logs);
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new ThawException(what + " did not answer 200 at " + url + " within " + readyTimeoutSeconds
                + " s: check --url, or raise --ready-timeout");
    }

    /**
     * Waits (bounded) until nothing answers any more and the port refuses connections: a killed JVM on a busy machine
     * can keep its listening socket while it is torn down, and what comes next (a checkpoint's port check) must not see it.
     */
    void awaitFree() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (HttpConnection.getOnce(url, 500) != -1 || accepts()) {
            if (System.nanoTime() > deadline) {
                throw new ThawException("something still answers at " + url + " after its JVM was stopped");
            }
            Thread.sleep(20);
        }
    }

    /** True unless a TCP connection to the probe's port is refused (a timeout counts as accepting: something holds it). */
    private boolean accepts() {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(url.getHost(), HttpConnection.port(url)), 500);
            return true;
        } catch (java.net.ConnectException e) {
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }

    void requireFree() {
        if (HttpConnection.getOnce(url, 500) != -1) {
            throw new ThawException(ThawException.EXIT_USAGE, "something already answers at " + url
                    + ": thaw bench starts the app itself; stop what listens there or use another port");
        }
    }
}
