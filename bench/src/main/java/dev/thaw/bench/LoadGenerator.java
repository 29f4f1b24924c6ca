package dev.thaw.bench;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A closed-loop HTTP load generator: {@code connections} keep-alive connections (or, with
 * {@link Reuse#NEW_CONNECTION_PER_REQUEST}, a new connection for every request, so that
 * SO_REUSEPORT spreads them over every worker on the port), each sending its next GET as soon as
 * the previous answer is read, round robin over the URLs. Every request's start
 * and latency are recorded, so that one run can be cut into windows afterwards (the first second,
 * a later steady-state window). Bounded in time and in count: each connection stops at the
 * deadline or when its sample buffer is full, whichever comes first.
 *
 * <p>Closed loop means a slow answer delays the next request (coordinated omission): the p99 of a
 * stalling server is understated, never overstated. For comparing a cold JVM with a restored one that
 * is the conservative side.
 */
final class LoadGenerator {
    static final int MAX_SAMPLES_PER_CONNECTION = 1 << 21;
    private static final int TIMEOUT_MILLIS = 10_000;
    private static final long ERROR_PAUSE_MILLIS = 5;

    private LoadGenerator() {
    }

    /** How connections are used. */
    enum Reuse { KEEP_ALIVE, NEW_CONNECTION_PER_REQUEST }

    /** Sends load on keep-alive connections for {@code durationMillis} and returns every sample. */
    static Recording run(List<URI> urls, int connections, long durationMillis) throws InterruptedException {
        return run(urls, connections, durationMillis, Reuse.KEEP_ALIVE);
    }

    /** Sends load for {@code durationMillis} and returns every sample. */
    static Recording run(List<URI> urls, int connections, long durationMillis, Reuse reuse) throws InterruptedException {
        return start(urls, connections, durationMillis, reuse).await();
    }

    /** Starts load in the background; {@link Running#await()} collects it. */
    static Running start(List<URI> urls, int connections, long durationMillis, Reuse reuse) {
        byte[][] requests = urls.stream().map(HttpConnection::request).toArray(byte[][]::new);
        URI target = urls.get(0);
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(durationMillis);
        Lane[] lanes = new Lane[connections];
        CountDownLatch done = new CountDownLatch(connections);
        for (int i = 0; i < connections; i++) {
            Lane lane = new Lane(reuse);
            lanes[i] = lane;
            int offset = i;
            Thread.ofPlatform().name("thaw-bench-load-" + i).daemon().start(() -> {
                try {
                    lane.drive(target, requests, offset, start, deadline);
                } finally {
                    done.countDown();
                }
            });
        }
        return new Running(lanes, done, durationMillis);
    }

    /** Load on its way; {@link #stop()} ends it early. */
    static final class Running {
        private final Lane[] lanes;
        private final CountDownLatch done;
        private final long durationMillis;

        private Running(Lane[] lanes, CountDownLatch done, long durationMillis) {
            this.lanes = lanes;
            this.done = done;
            this.durationMillis = durationMillis;
        }

        /** Waits (bounded by the duration plus the request timeout) until every connection stopped. */
        Recording await() throws InterruptedException {
            if (!done.await(durationMillis + 2L * TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("load generator did not stop");
            }
            return Recording.merge(lanes);
        }

        /** Asks every connection to stop after its request in flight, then collects the samples. */
        Recording stop() throws InterruptedException {
            for (Lane lane : lanes) {
                lane.stopped = true;
            }
            return await();
        }
    }

    /** One connection's samples: start (nanoseconds after the run began), latency (ns), success. */
    private static final class Lane {
        private final Reuse reuse;
        long[] starts = new long[4096];
        long[] latencies = new long[4096];
        boolean[] ok = new boolean[4096];
        int count;
        volatile boolean stopped;

        Lane(Reuse reuse) {
            this.reuse = reuse;
        }

        /** Grows the sample buffers by doubling; false when the lane is full. */
        private boolean room() {
            if (count < starts.length) {
                return true;
            }
            if (starts.length >= MAX_SAMPLES_PER_CONNECTION) {
                return false;
            }
            int size = starts.length * 2;
            starts = Arrays.copyOf(starts, size);
            latencies = Arrays.copyOf(latencies, size);
            ok = Arrays.copyOf(ok, size);
            return true;
        }

        void drive(URI target, byte[][] requests, int offset, long runStart, long deadline) {
            HttpConnection connection = null;
            int next = offset;
            try {
                while (room() && !stopped) {
                    long begin = System.nanoTime();
                    if (begin >= deadline) {
                        return;
                    }
                    boolean success;
                    try {
                        if (connection == null || !connection.isOpen()) {
                            close(connection);
                            connection = HttpConnection.to(target, TIMEOUT_MILLIS, TIMEOUT_MILLIS);
                        }
                        success = connection.send(requests[next++ % requests.length]) == 200;
                        if (reuse == Reuse.NEW_CONNECTION_PER_REQUEST) {
                            close(connection);
                            connection = null;
                        }
                    } catch (IOException | RuntimeException e) {
                        close(connection);
                        connection = null;
                        success = false;
                    }
                    long end = System.nanoTime();
                    starts[count] = begin - runStart;
                    latencies[count] = end - begin;
                    ok[count] = success;
                    count++;
                    if (!success) {
                        pause(); // a refused connection fails in microseconds: do not spin
                    }
                }
            } finally {
                close(connection);
            }
        }

        private static void pause() {
            try {
                Thread.sleep(ERROR_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static void close(HttpConnection c) {
            if (c != null) {
                c.close();
            }
        }

    }

    /** Every sample of a run, in no particular order. */
    record Recording(long[] starts, long[] latencies, boolean[] ok) {
        long failures() {
            long n = 0;
            for (boolean b : ok) {
                n += b ? 0 : 1;
            }
            return n;
        }

        long successes() {
            return ok.length - failures();
        }

        static Recording merge(Lane[] lanes) {
            int total = Arrays.stream(lanes).mapToInt(l -> l.count).sum();
            long[] s = new long[total];
            long[] l = new long[total];
            boolean[] k = new boolean[total];
            int at = 0;
            for (Lane lane : lanes) {
                System.arraycopy(lane.starts, 0, s, at, lane.count);
                System.arraycopy(lane.latencies, 0, l, at, lane.count);
                System.arraycopy(lane.ok, 0, k, at, lane.count);
                at += lane.count;
            }
            return new Recording(s, l, k);
        }

        /** The requests that started in {@code [fromMillis, toMillis)} after the run began. */
        Window window(long fromMillis, long toMillis) {
            long from = TimeUnit.MILLISECONDS.toNanos(fromMillis);
            long to = TimeUnit.MILLISECONDS.toNanos(toMillis);
            long[] good = new long[starts.length];
            int n = 0;
            long errors = 0;
            for (int i = 0; i < starts.length; i++) {
                if (starts[i] >= from && starts[i] < to) {
                    if (ok[i]) {
                        good[n++] = latencies[i];
                    } else {
                        errors++;
                    }
                }
            }
            return new Window(Arrays.copyOf(good, n), errors, (toMillis - fromMillis) / 1000.0);
        }
    }

    /** The successful requests' latencies (ns) and the failures of one window of a run. */
    record Window(long[] latencies, long errors, double seconds) {
        Traffic traffic() {
            return Traffic.pool(List.of(this));
        }
    }
}
