package dev.thaw.it;

import dev.thaw.testkit.FreePort;
import com.sun.net.httpserver.HttpServer;
import dev.thaw.it.apps.OffendersApp;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the guardrail tests need around {@link OffendersApp}: a real PostgreSQL server, an upstream
 * HTTP server in this JVM for the app's keep-alive connection, and the app's java command line.
 */
final class Offenders implements AutoCloseable {
    final PostgresServer postgres;
    final HttpServer upstream;
    final int appPort;
    final Path log;

    private Offenders(PostgresServer postgres, HttpServer upstream, int appPort, Path log) {
        this.postgres = postgres;
        this.upstream = upstream;
        this.appPort = appPort;
        this.log = log;
    }

    static Offenders start(Path work) throws Exception {
        PostgresServer postgres = PostgresServer.start();
        HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", FreePort.pick()), 50);
        upstream.createContext("/", exchange -> {
            byte[] body = "upstream ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        return new Offenders(postgres, upstream, FreePort.pick(), work.resolve("app.log"));
    }

    int upstreamPort() {
        return upstream.getAddress().getPort();
    }

    String readinessUrl() {
        return "http://127.0.0.1:" + appPort + "/ready";
    }

    /** {@code java -cp ... OffendersApp ...}, with {@code close} when the app should close its offenders. */
    List<String> javaCommand(boolean close) {
        List<String> cmd = new ArrayList<>(List.of(Environment.JAVA.toString(), "-Xmx128m", "-cp",
                classPath(OffendersApp.class, org.postgresql.Driver.class), OffendersApp.class.getName(),
                Integer.toString(appPort), postgres.jdbcUrl(), log.toString(), "http://127.0.0.1:" + upstreamPort() + "/"));
        if (close) {
            cmd.add("close");
        }
        return cmd;
    }

    /** The class path holding these classes: the test classes and the jars the test runs with. */
    static String classPath(Class<?>... classes) {
        List<String> entries = new ArrayList<>();
        for (Class<?> c : classes) {
            try {
                entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    @Override
    public void close() throws Exception {
        upstream.stop(0);
        postgres.close();
    }
}
