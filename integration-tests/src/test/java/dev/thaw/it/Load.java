package dev.thaw.it;

import dev.thaw.testkit.Http;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP load on 127.0.0.1 from a few threads, a new connection per request (so SO_REUSEPORT spreads
 * it over every worker), bounded in time: it stops by itself at {@code maxDuration}.
 */
final class Load implements AutoCloseable {
    private final int port;
    private final String path;
    private final long deadlineNanos;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private volatile boolean stopped;

    Load(int port, String path, int threadCount, Duration maxDuration) {
        this.port = port;
        this.path = path;
        this.deadlineNanos = System.nanoTime() + maxDuration.toNanos();
        for (int i = 0; i < threadCount; i++) {
            Thread t = new Thread(this::loop, "load-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void loop() {
        while (!stopped && System.nanoTime() < deadlineNanos) {
            try {
                Http.Response r = Http.get(port, path);
                if (r.status() == 200) {
                    ok.incrementAndGet();
                } else {
                    fail("HTTP " + r.status());
                }
            } catch (Exception e) {
                fail(e.toString());
            }
        }
    }

    private void fail(String why) {
        failed.incrementAndGet();
        if (errors.size() < 20) {
            errors.add(why);
        }
    }

    long ok() {
        return ok.get();
    }

    long failed() {
        return failed.get();
    }

    String report() {
        return ok.get() + " ok, " + failed.get() + " failed" + (errors.isEmpty() ? "" : " " + errors);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.join(15_000);
        }
    }
}
