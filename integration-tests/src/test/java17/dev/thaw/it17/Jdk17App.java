package dev.thaw.it17;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * The smallest app thaw restores on JDK 17: the JDK's HttpServer answering
 * {@code java.version=17.0.x worker=N} on 127.0.0.1:PORT, closed in beforeCheckpoint and opened again
 * in afterRestore through org.crac, as an app written for CRaC does. Compiled with --release 17 by
 * Jdk17RestoreTest (not by Maven, which compiles test code for 25) and run on JDK 17's java:
 * {@code java -Dthaw.reuse-port=true -cp CLASSES:crac.jar dev.thaw.it17.Jdk17App PORT}.
 */
public final class Jdk17App implements Resource {
    /** org.crac holds resources weakly: the app keeps its own reference. */
    private static Jdk17App app;

    private final int port;
    private HttpServer server;

    private Jdk17App(int port) {
        this.port = port;
    }

    public static void main(String[] args) throws Exception {
        app = new Jdk17App(Integer.parseInt(args[0]));
        app.open();
        Core.getGlobalContext().register(app);
        Thread.sleep(Long.MAX_VALUE);
    }

    private void open() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 100);
        server.createContext("/", exchange -> {
            byte[] body = ("java.version=" + System.getProperty("java.version") + " worker="
                    + System.getProperty("thaw.worker.id", "leader") + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        server.stop(0);
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) throws IOException {
        open();
    }
}
