package dev.thaw.it.apps;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.thaw.resources.concurrent.QuiescingScheduler;
import dev.thaw.resources.jdbc.RestorableDataSource;
import dev.thaw.resources.logging.ReopenableLogFile;
import dev.thaw.resources.scoped.RestoreScoped;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.dbcp2.BasicDataSource;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * The test subject for crac-resources under real CRIU: a service built only from the ready-made
 * resources, the way a user would write one. Its HTTP server is the JDK's HttpServer, which has no
 * reuse-port setting of its own (the agent's -Dthaw.reuse-port lets the workers share the port); its
 * clients sit in static fields.
 *
 * <p>Endpoints answer JSON: /health, /db (a DBCP2 pool to PostgreSQL through RestorableDataSource),
 * /upstream (the JDK HttpClient through RestoreScoped.httpClient), /greet (a user's socket client
 * through an interface proxy), /ticks (a QuiescingScheduler's fixed-rate task), and every request is
 * written to an access log per worker (ReopenableLogFile).
 */
public final class ResourcesApp {
    private static final int PORT = Integer.getInteger("app.port", 8080);
    private static final String DB_URL = System.getProperty("app.db.url");
    private static final String UPSTREAM_URL = System.getProperty("app.upstream.url");
    private static final int GREETER_PORT = Integer.getInteger("app.greeter.port", 0);
    private static final long TICK_MILLIS = 100;

    static final RestorableDataSource DB = RestorableDataSource.of(ResourcesApp::pool);
    static final HttpClient UPSTREAM = RestoreScoped.httpClient(HttpClient::newHttpClient);
    static final Greeter GREETER = RestoreScoped.proxy(Greeter.class, () -> GreeterClient.connect(GREETER_PORT));

    /** Backend PIDs the leader's connections had: inherited by every worker with the heap. */
    private static final Set<Integer> LEADER_BACKENDS = new ConcurrentSkipListSet<>();
    private static final AtomicInteger TICKS_IN_FIRST_SECOND = new AtomicInteger();
    private static final AtomicLong RESTORED_AT_NANOS = new AtomicLong();

    private static PrintStream accessLog;
    private static ReopenableLogFile accessLogFile;
    private static RestoreScoped<HttpServer> server;
    private static QuiescingScheduler scheduler;
    private static Resource restoreClock;

    private ResourcesApp() {
    }

    public static void main(String[] args) throws Exception {
        accessLogFile = ReopenableLogFile.open(System.getProperty("app.log.dir") + "/access-{worker}.log");
        accessLog = new PrintStream(accessLogFile, true, StandardCharsets.UTF_8);
        scheduler = QuiescingScheduler.create("ticker", 1);
        scheduler.scheduleAtFixedRate(ResourcesApp::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        restoreClock = new RestoreClock();
        Core.getGlobalContext().register(restoreClock);
        // Registered last: stopped first before the checkpoint, started last after the restore.
        server = RestoreScoped.eager(ResourcesApp::startServer, s -> s.stop(0));
        System.out.println("resources-app: listening on " + PORT);
        Thread.currentThread().join();
    }

    private static BasicDataSource pool() {
        BasicDataSource pool = new BasicDataSource();
        pool.setUrl(DB_URL);
        pool.setUsername("thaw");
        pool.setInitialSize(2);
        pool.setMinIdle(2);
        pool.setMaxTotal(4);
        return pool;
    }

    private static HttpServer startServer() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", PORT), 64);
            http.createContext("/", ResourcesApp::handle);
            http.start();
            return http;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve on port " + PORT, e);
        }
    }

    private static void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        int status = 200;
        String body;
        try {
            body = switch (path) {
                case "/health" -> "{\"ok\":true}";
                case "/db" -> db();
                case "/upstream" -> upstream();
                case "/greet" -> "{\"greeting\":\"" + GREETER.greet("worker " + worker()) + "\"}";
                case "/ticks" -> "{\"ticksInFirstSecond\":" + TICKS_IN_FIRST_SECOND.get()
                        + ",\"logFile\":\"" + accessLogFile.path() + "\"}";
                default -> {
                    status = 404;
                    yield "{\"error\":\"no such path\"}";
                }
            };
        } catch (Exception e) {
            status = 500;
            body = "{\"error\":\"" + e.toString().replace("\"", "'") + "\"}";
        }
        body = "{\"worker\":\"" + worker() + "\"," + body.substring(1);
        accessLog.println(worker() + " " + path + " " + status);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static String db() throws SQLException {
        try (Connection c = DB.getConnection(); Statement s = c.createStatement()) {
            s.execute("create table if not exists visits (worker text, at timestamptz default now())");
            s.execute("insert into visits (worker) values ('" + worker() + "')");
            int backend;
            try (ResultSet r = s.executeQuery("select pg_backend_pid()")) {
                r.next();
                backend = r.getInt(1);
            }
            if (System.getProperty("thaw.worker.id") == null) LEADER_BACKENDS.add(backend);
            return "{\"backendPid\":" + backend + ",\"leaderBackendPids\":" + new TreeSet<>(LEADER_BACKENDS)
                    + ",\"dataSourceBuilds\":" + DB.builds() + "}";
        }
    }

    private static String upstream() throws IOException, InterruptedException {
        HttpResponse<String> r = UPSTREAM.send(HttpRequest.newBuilder(URI.create(UPSTREAM_URL)).build(),
                HttpResponse.BodyHandlers.ofString());
        return "{\"status\":" + r.statusCode() + ",\"body\":\"" + r.body().strip() + "\"}";
    }

    private static void tick() {
        long restoredAt = RESTORED_AT_NANOS.get();
        if (restoredAt != 0 && System.nanoTime() - restoredAt < TimeUnit.SECONDS.toNanos(1)) {
            TICKS_IN_FIRST_SECOND.incrementAndGet();
        }
    }

    private static String worker() {
        return System.getProperty("thaw.worker.id", "leader");
    }

    /** Notes when the restore happened, so /ticks can count the scheduler's runs in the first second. */
    private static final class RestoreClock implements Resource {
        @Override
        public void beforeCheckpoint(Context<? extends Resource> context) {
        }

        @Override
        public void afterRestore(Context<? extends Resource> context) {
            TICKS_IN_FIRST_SECOND.set(0);
            RESTORED_AT_NANOS.set(System.nanoTime());
        }
    }
}
