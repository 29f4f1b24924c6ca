package dev.thaw.it;

import dev.thaw.testkit.Http;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP load on 127.0.0.1 from a few threads, each one client, bounded in time: it stops by itself at
 * {@code maxDuration}. It never retries. Two kinds of client:
 *
 * <ul>
 *   <li>{@link #Load(int, String, int, Duration)}: a new connection per request, so that SO_REUSEPORT spreads
 *       the requests over every worker. Any answer but 200, and any error, is a failed request.
 *   <li>{@link #keepAlive}: wrk-like, a connection kept alive per thread, each sending its next request as soon
 *       as the previous answer is in, and opening a new connection only when the server said {@code Connection:
 *       close}. A request whose connection is closed or reset before its answer is complete is a cut
 *       connection; any answer but 200, or a refused connection, a failed request.
 * </ul>
 */
final class Load implements AutoCloseable {
    private final int port;
    private final String path;
    private final boolean keepAlive;
    private final long deadlineNanos;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong cut = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private volatile boolean stopped;

    /** A new connection per request, from {@code threadCount} threads. */
    Load(int port, String path, int threadCount, Duration maxDuration) {
        this(port, path, threadCount, maxDuration, false);
    }

    /** {@code connectionCount} connections kept alive (see the class comment). */
    static Load keepAlive(int port, String path, int connectionCount, Duration maxDuration) {
        return new Load(port, path, connectionCount, maxDuration, true);
    }

    private Load(int port, String path, int threadCount, Duration maxDuration, boolean keepAlive) {
        this.port = port;
        this.path = path;
        this.keepAlive = keepAlive;
        this.deadlineNanos = System.nanoTime() + maxDuration.toNanos();
        for (int i = 0; i < threadCount; i++) {
            Thread t = new Thread(keepAlive ? this::keepAliveLoop : this::newConnectionLoop, (keepAlive ? "keep-alive-" : "load-") + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private boolean running() {
        return !stopped && System.nanoTime() < deadlineNanos;
    }

    private void newConnectionLoop() {
        while (running()) {
            try {
                connections.incrementAndGet();
                Http.Response r = Http.get(port, path);
                if (r.status() == 200) {
                    ok.incrementAndGet();
                } else {
                    record(failed, "HTTP " + r.status());
                }
            } catch (Exception e) {
                record(failed, e.toString());
            }
        }
    }

    private void keepAliveLoop() {
        while (running()) {
            Socket socket;
            try {
                socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                socket.setSoTimeout(10_000);
                connections.incrementAndGet();
            } catch (IOException e) {
                record(failed, "connect: " + e);
                pause();
                continue;
            }
            try (socket) {
                InputStream in = new BufferedInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                boolean open = true;
                while (open && running()) {
                    out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    Answer answer;
                    try {
                        answer = Answer.read(in);
                    } catch (IOException e) {
                        record(cut, "cut: " + e);
                        break;
                    }
                    if (answer.status() == 200) {
                        ok.incrementAndGet();
                    } else {
                        record(failed, "HTTP " + answer.status());
                    }
                    open = !answer.closes();
                }
            } catch (IOException e) {
                record(cut, "cut while sending: " + e);
            }
        }
    }

    private void record(AtomicLong counter, String why) {
        counter.incrementAndGet();
        if (errors.size() < 20) {
            errors.add(why);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long ok() {
        return ok.get();
    }

    long failed() {
        return failed.get();
    }

    /** Connections closed or reset before an answer was complete (keep-alive clients only; 0 for the others). */
    long cut() {
        return cut.get();
    }

    String report() {
        if (!keepAlive) {
            return ok.get() + " ok, " + failed.get() + " failed" + (errors.isEmpty() ? "" : " " + errors);
        }
        return ok.get() + " ok, " + failed.get() + " failed, " + cut.get() + " cut, over " + connections.get() + " connections"
                + (errors.isEmpty() ? "" : "; " + errors);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.join(15_000);
        }
    }

    /** An HTTP/1.1 answer read whole: its status and whether it closes the connection. */
    private record Answer(int status, boolean closes) {
        static Answer read(InputStream in) throws IOException {
            String statusLine = line(in);
            if (statusLine == null) {
                throw new IOException("connection closed before the answer");
            }
            String[] parts = statusLine.split(" ");
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            long length = -1;
            boolean chunked = false;
            boolean closes = false;
            for (String header = line(in); ; header = line(in)) {
                if (header == null) {
                    throw new IOException("connection closed in the answer's head");
                }
                if (header.isEmpty()) {
                    break;
                }
                String h = header.toLowerCase(Locale.ROOT);
                if (h.startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(15).trim());
                } else if (h.startsWith("transfer-encoding:") && h.contains("chunked")) {
                    chunked = true;
                } else if (h.startsWith("connection:") && h.contains("close")) {
                    closes = true;
                }
            }
            if (chunked) {
                for (long size = Long.parseLong(requireLine(in).split(";")[0].trim(), 16); size > 0;
                     size = Long.parseLong(requireLine(in).split(";")[0].trim(), 16)) {
                    skip(in, size);
                    requireLine(in);
                }
                while (!requireLine(in).isEmpty()) {
                    // trailers
                }
            } else if (length >= 0) {
                skip(in, length);
            } else if (closes) {
                in.transferTo(java.io.OutputStream.nullOutputStream()); // HTTP/1.1: a closing answer may end at the close
            } else {
                throw new IOException("an answer without a length that keeps its connection");
            }
            return new Answer(status, closes);
        }

        private static String requireLine(InputStream in) throws IOException {
            String line = line(in);
            if (line == null) {
                throw new IOException("connection closed in a chunked answer");
            }
            return line;
        }

        private static void skip(InputStream in, long n) throws IOException {
            for (long left = n; left > 0; left--) {
                if (in.read() < 0) {
                    throw new IOException("connection closed in the answer's body");
                }
            }
        }

        /** A CRLF-ended line without its end; null at the end of the stream before any byte. */
        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c = in.read(); ; c = in.read()) {
                if (c < 0) {
                    if (b.size() == 0) {
                        return null;
                    }
                    throw new IOException("connection closed in a line");
                }
                if (c == '\n') {
                    String s = b.toString(StandardCharsets.ISO_8859_1);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                b.write(c);
            }
        }
    }
}
