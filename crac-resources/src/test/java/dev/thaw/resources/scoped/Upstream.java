package dev.thaw.resources.scoped;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import dev.thaw.testkit.FreePort;

/**
 * A tiny HTTP/1.1 keep-alive server on loopback that counts the connections it accepted and the ones
 * still open, which is what tells whether a client reused its connection or opened its own.
 */
final class Upstream implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();

    private Upstream(ServerSocket server) {
        this.server = server;
    }

    static Upstream start() throws IOException {
        ServerSocket server = new ServerSocket(FreePort.pick(), 50, InetAddress.getLoopbackAddress());
        Upstream upstream = new Upstream(server);
        Thread acceptor = new Thread(upstream::accept, "upstream-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return upstream;
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/";
    }

    int connections() {
        return accepted.get();
    }

    boolean awaitNoOpenConnection(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (open.get() > 0 && System.currentTimeMillis() < deadline) Thread.sleep(10);
        return open.get() == 0;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                open.incrementAndGet();
                Thread serve = new Thread(() -> serve(socket), "upstream-conn");
                serve.setDaemon(true);
                serve.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))) {
            OutputStream out = socket.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isEmpty()) continue; // headers; requests here have no body
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException gone) {
            // the client closed the connection
        } finally {
            open.decrementAndGet();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
