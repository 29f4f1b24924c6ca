package dev.thaw.deploy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** Requests on new connections to the app, and readiness probes, for as long as a roll lasts. */
public final class Traffic implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong notReady = new AtomicLong();
    private final AtomicLong probes = new AtomicLong();
    private final Thread load;
    private final Thread readiness;

    public Traffic(int appPort, int probePort, String probePath) {
        load = Thread.ofVirtual().start(() -> loop(() -> {
            (HttpProbe.get(appPort, "/items/42", 10_000).status() == 200 ? ok : failed).incrementAndGet();
        }, 10));
        readiness = Thread.ofVirtual().start(() -> loop(() -> {
            probes.incrementAndGet();
            if (HttpProbe.get(probePort, probePath, 2000).status() != 200) {
                notReady.incrementAndGet();
            }
        }, 500));
    }

    private void loop(Runnable step, long pauseMillis) {
        long until = System.nanoTime() + Duration.ofMinutes(5).toNanos(); // bounded even if stop() is never called
        while (running.get() && System.nanoTime() < until) {
            step.run();
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    public void stop() throws InterruptedException {
        running.set(false);
        load.join(15_000);
        readiness.join(15_000);
    }

    public long ok() {
        return ok.get();
    }

    public long failed() {
        return failed.get();
    }

    public long notReady() {
        return notReady.get();
    }

    public String report() {
        return ok + " requests ok, " + failed + " failed; readiness probe failed " + notReady + " of " + probes + " times";
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
