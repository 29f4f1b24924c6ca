package dev.thaw.it.apps;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A user's client that keeps one TCP connection open for its whole life, the kind CRIU refuses to
 * dump (an established socket) and that restored workers must not share.
 */
final class GreeterClient implements Greeter, AutoCloseable {
    private final Socket socket;
    private final PrintWriter out;
    private final BufferedReader in;

    private GreeterClient(Socket socket) throws IOException {
        this.socket = socket;
        this.out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    static GreeterClient connect(int port) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return new GreeterClient(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("greeter at port " + port + " unreachable", e);
        }
    }

    @Override
    public synchronized String greet(String name) {
        out.println(name);
        try {
            return in.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
