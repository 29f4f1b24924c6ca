package dev.thaw.it.apps;

import com.sun.net.httpserver.HttpServer;
import dev.thaw.lifecycle.Thaw;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A leader that holds one of each offender the guardrail must refuse, each opened in its own method so
 * that detective mode has an app frame to point at: a PostgreSQL connection, a listening socket (its
 * readiness endpoint, which thaw's warm-up polls), a log file open for writing and an outbound HTTP
 * keep-alive connection.
 *
 * <pre>java -cp ... OffendersApp PORT JDBC_URL LOG_FILE UPSTREAM_URL [close]</pre>
 *
 * With {@code close}, a Thaw hook closes all four in beforeCheckpoint, as a well-behaved app does, and opens
 * the readiness endpoint again when the checkpoint does not happen (afterRestore in the leader: thaw's
 * rehearsal of the checkpoint, or a refused one), so that thaw can warm it up once more.
 */
public final class OffendersApp {
    private static Connection database;
    private static HttpServer readiness;
    private static OutputStream log;
    private static HttpClient upstream;

    private OffendersApp() {
    }

    public static void main(String[] args) throws Exception {
        openDatabase(args[1]);
        openLog(args[2]);
        callUpstream(URI.create(args[3]));
        if (args.length > 4 && args[4].equals("close")) {
            int port = Integer.parseInt(args[0]);
            Thaw.register("offenders", OffendersApp::closeAll, () -> {
                if (Thaw.identity().isEmpty()) {
                    listen(port);
                }
            });
        }
        listen(Integer.parseInt(args[0]));
        System.out.println("offenders app ready");
        Thread.sleep(Long.MAX_VALUE);
    }

    static void openDatabase(String url) throws SQLException {
        database = DriverManager.getConnection(url, "thaw", "");
        database.createStatement().execute("SELECT 1");
    }

    static void openLog(String path) throws IOException {
        log = new FileOutputStream(path, true);
        log.write("started\n".getBytes(StandardCharsets.UTF_8));
    }

    static void callUpstream(URI url) throws IOException, InterruptedException {
        upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = upstream.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("upstream answered " + r.statusCode());
        }
    }

    static void listen(int port) throws IOException {
        readiness = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        readiness.createContext("/ready", exchange -> {
            byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
            exchange.close();
        });
        readiness.start();
    }

    private static void closeAll() throws Exception {
        readiness.stop(0);
        database.close();
        log.close();
        upstream.shutdownNow();
        if (!upstream.awaitTermination(java.time.Duration.ofSeconds(10))) {
            throw new IllegalStateException("the HTTP client did not stop within 10 s");
        }
    }
}
