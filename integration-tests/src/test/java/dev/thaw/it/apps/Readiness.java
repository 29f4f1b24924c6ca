package dev.thaw.it.apps;

import com.sun.net.httpserver.HttpServer;
import dev.thaw.lifecycle.Hook;
import dev.thaw.lifecycle.Thaw;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The test apps' readiness probe for the warm-up: "ok" on every path of 127.0.0.1:PORT, closed in
 * beforeCheckpoint (no socket may be in the image); {@code afterRestore} runs in each restored worker.
 */
final class Readiness {
    private Readiness() {
    }

    static void serveUntilCheckpoint(int port, Hook afterRestore) throws IOException {
        HttpServer readiness = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        readiness.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        readiness.start();
        Thaw.register("readiness", () -> readiness.stop(0), afterRestore);
    }
}
