package dev.thaw.it.apps;

import com.sun.net.httpserver.HttpServer;
import dev.thaw.lifecycle.Thaw;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * An app that closes its HTTP endpoint in beforeCheckpoint and never opens it again, not even when the
 * checkpoint does not happen: CRaC asks afterRestore to reopen in that case, and thaw's rehearsal of the
 * checkpoint depends on it. {@code java -cp ... NoResumeApp PORT}.
 */
public final class NoResumeApp {
    private NoResumeApp() {
    }

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 50);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        server.start();
        Thaw.beforeCheckpoint("no-resume", () -> server.stop(0));
        new CountDownLatch(1).await();
    }
}
