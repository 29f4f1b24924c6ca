package dev.thaw.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Another process on the app's port, as a stale {@code thaw run} or a second copy of the app would be:
 * {@code listeners} sockets bound to 127.0.0.1:port with SO_REUSEPORT, each in the port's reuse group with
 * the app's own, answering every HTTP/1.1 request 200 (keep-alive unless the client says close). With
 * n listeners here, the kernel hands the app about 1 in n+1 of the new connections. Requests wait to be
 * answered until {@link #answerFromNowOn()}, so that a test can choose when the warm-up may go on.
 */
final class ReusePortResponder implements AutoCloseable {
    private static final byte[] ANSWER = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
            .getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEAD = 16 * 1024;

    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger answered = new AtomicInteger();
    private final java.util.concurrent.CountDownLatch answering = new java.util.concurrent.CountDownLatch(1);

    private ReusePortResponder() {
    }

    static ReusePortResponder bind(int port, int listeners) throws IOException {
        ReusePortResponder responder = new ReusePortResponder();
        try {
            for (int i = 0; i < listeners; i++) {
                ServerSocketChannel channel = ServerSocketChannel.open();
                responder.listeners.add(channel);
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                channel.bind(new InetSocketAddress("127.0.0.1", port), 64);
                Thread.ofVirtual().name("reuse-port-accept-" + i).start(() -> acceptUntilClosed(responder, channel));
            }
        } catch (IOException e) {
            responder.close();
            throw e;
        }
        return responder;
    }

    /** Lets the requests waiting, and every one after, be answered. */
    void answerFromNowOn() {
        answering.countDown();
    }

    /** The requests answered so far. */
    int answered() {
        return answered.get();
    }

    private static void acceptUntilClosed(ReusePortResponder responder, ServerSocketChannel channel) {
        while (channel.isOpen()) {
            try {
                Socket socket = channel.accept().socket();
                responder.connections.add(socket);
                Thread.ofVirtual().start(() -> responder.serve(socket));
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** Answers the requests of one connection, one after the other, until the client closes or asks to. */
    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            String head;
            while ((head = readHead(in)) != null) {
                if (!answering.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    return;
                }
                out.write(ANSWER);
                out.flush();
                answered.incrementAndGet();
                if (head.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close")) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            connections.remove(socket);
        }
    }

    /** One request's head (a GET has no body), null at the end of the stream. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                return head.toString();
            }
            if (head.length() > MAX_HEAD) {
                throw new IOException("request head over " + MAX_HEAD + " bytes");
            }
        }
        return null;
    }

    @Override
    public void close() {
        answering.countDown();
        for (ServerSocketChannel channel : listeners) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (Socket socket : connections) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
