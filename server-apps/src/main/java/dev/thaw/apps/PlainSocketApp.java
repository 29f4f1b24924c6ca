package dev.thaw.apps;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * An HTTP server of its own on a plain ServerSocket, one request per connection: a server thaw's agent
 * does not know. It proves that such an app still runs in a pool, and that thaw says which settings
 * cannot work for it.
 */
public final class PlainSocketApp implements Resource {
    /** org.crac holds resources weakly: the app keeps its own. */
    private static PlainSocketApp app;
    private volatile ServerSocket socket;

    public static void main(String[] args) throws IOException, InterruptedException {
        app = new PlainSocketApp();
        app.start();
        Core.getGlobalContext().register(app);
        System.out.println("plain socket app listening on 127.0.0.1:" + Answers.port());
        Answers.serveForever();
    }

    private void start() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setOption(StandardSocketOptions.SO_REUSEPORT, true); // every worker binds the port
        s.bind(new InetSocketAddress("127.0.0.1", Answers.port()), 128);
        socket = s;
        Thread.ofVirtual().start(() -> accept(s));
    }

    private static void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket c = s.accept();
                Thread.ofVirtual().start(() -> answer(c));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void answer(Socket c) {
        try (c) {
            BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                // the request's head: every path answers the same
            }
            byte[] body = Answers.hello().getBytes(StandardCharsets.UTF_8);
            OutputStream out = c.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
        } catch (IOException e) {
            // the client went away
        }
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) throws IOException {
        socket.close();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) throws IOException {
        start();
    }
}
