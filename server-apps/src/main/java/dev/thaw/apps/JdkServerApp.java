package dev.thaw.apps;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * The JDK's com.sun.net.httpserver, stopped before the checkpoint and started again after each restore
 * through org.crac. It has no reuse-port setting: several workers share its port through thaw's
 * -Dthaw.reuse-port=true.
 */
public final class JdkServerApp implements Resource {
    /** org.crac holds resources weakly: the app keeps its own. */
    private static JdkServerApp app;
    private HttpServer server;
    private ExecutorService executor;

    public static void main(String[] args) throws IOException, InterruptedException {
        app = new JdkServerApp();
        app.start();
        Core.getGlobalContext().register(app);
        System.out.println("jdk-httpserver app listening on 127.0.0.1:" + Answers.port());
        Answers.serveForever();
    }

    private synchronized void start() throws IOException {
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", Answers.port()), 128);
        server.createContext("/hello", exchange -> answer(exchange, Answers.hello()));
        server.createContext("/sleep", exchange -> {
            try {
                answer(exchange, Answers.slept(exchange.getRequestURI().getQuery()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.close();
            }
        });
        server.setExecutor(executor);
        server.start();
    }

    private static void answer(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public synchronized void beforeCheckpoint(Context<? extends Resource> context) {
        server.stop(0);
        executor.close();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) throws IOException {
        start();
    }
}
