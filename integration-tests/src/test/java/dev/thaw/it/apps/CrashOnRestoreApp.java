package dev.thaw.it.apps;

import com.sun.net.httpserver.HttpServer;
import dev.thaw.lifecycle.Thaw;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * An image that verifies but cannot boot: it checkpoints cleanly, and every restored worker dies in
 * afterRestore (exit code 3), as an app whose new release is broken would.
 * {@code java -cp ... CrashOnRestoreApp PORT}.
 */
public final class CrashOnRestoreApp {
    private CrashOnRestoreApp() {
    }

    public static void main(String[] args) throws Exception {
        HttpServer readiness = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 50);
        readiness.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        readiness.start();
        Thaw.register("broken release", () -> readiness.stop(0), () -> Runtime.getRuntime().halt(3));
        new CountDownLatch(1).await();
    }
}
