package dev.thaw.it.apps;

import com.sun.net.httpserver.HttpServer;
import dev.thaw.lifecycle.Hook;
import dev.thaw.lifecycle.Thaw;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The test apps' readiness probe for the warm-up: "ok" on every path of 127.0.0.1:PORT, closed in
 * beforeCheckpoint (no socket may be in the image). In a restored worker, afterRestore runs the app's
 * {@code afterRestore}; in the leader (a checkpoint's rehearsal, or a refused checkpoint, after which the
 * leader goes on) it opens the probe again, so that thaw can warm the leader up once more.
 */
final class Readiness {
    private static HttpServer server;

    private Readiness() {
    }

    static void serveUntilCheckpoint(int port, Hook afterRestore) throws IOException {
        open(port);
        Thaw.register("readiness", () -> server.stop(0), () -> {
            if (Thaw.identity().isPresent()) {
                afterRestore.run();
            } else {
                open(port);
            }
        });
    }

    private static void open(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        server.start();
    }
}
