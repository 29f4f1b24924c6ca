package dev.thaw.sample;

import java.time.Duration;
import java.util.List;

import org.crac.Core;
import org.crac.Resource;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.thaw.resources.jdbc.HikariPoolResource;
import dev.thaw.resources.jetty.JettyConnectors;

/**
 * thaw's sample service: a Jetty API over a large in-memory catalogue, a database pool and an outbound
 * HTTP client. It knows org.crac and nothing of thaw: before a checkpoint its resources close every
 * socket, after a restore they reopen them, and the catalogue is simply inherited with the heap.
 */
public final class SampleApp implements AutoCloseable {

    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POOL_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final Server server;
    private final ServerConnector connector;
    private final HikariDataSource pool;
    private final UpstreamClient upstream;
    private final JettyConnectors connectors;
    /** Strong references: org.crac only holds registered resources weakly. */
    private final List<Resource> resources;

    private SampleApp(Server server, ServerConnector connector, HikariDataSource pool, UpstreamClient upstream,
                      RestoreCounter restores) {
        this.server = server;
        this.connector = connector;
        this.pool = pool;
        this.upstream = upstream;
        this.connectors = new JettyConnectors(server, DRAIN_TIMEOUT);
        // org.crac calls beforeCheckpoint in reverse registration order and afterRestore in order: HTTP is
        // drained before the pool and client it uses are closed, and only served again once they are back.
        this.resources = List.of(
                new HikariPoolResource(pool, POOL_CLOSE_TIMEOUT),
                upstream,
                connectors,
                restores);
    }

    public static void main(String[] args) throws Exception {
        SampleApp app = start(SampleConfig.load());
        Runtime.getRuntime().addShutdownHook(new Thread(app::closeQuietly, "sample-shutdown"));
        app.server.join();
    }

    /** Builds the catalogue, opens the pool, starts serving and registers the org.crac resources. */
    public static SampleApp start(SampleConfig config) throws Exception {
        Catalogue catalogue = buildCatalogue(config.datasetMb());
        HikariDataSource pool = openPool(config);
        Server server = new Server();
        try {
            VisitLog visits = new VisitLog(pool);
            visits.createTableIfAbsent();

            ServerConnector connector = JettyConnectors.newReusePortConnector(server, config.host(), config.port());
            server.addConnector(connector);
            connector.open(); // bind now: with port 0 the default upstream needs the real port
            UpstreamClient upstream = new UpstreamClient(config.upstreamUrl() != null
                    ? config.upstreamUrl()
                    : "http://127.0.0.1:" + connector.getLocalPort());
            RestoreCounter restores = new RestoreCounter();
            server.setHandler(new ApiHandler(catalogue, visits, upstream, restores));
            server.start();

            SampleApp app = new SampleApp(server, connector, pool, upstream, restores);
            app.resources.forEach(Core.getGlobalContext()::register);
            System.out.println("sample: listening on http://" + config.host() + ":" + connector.getLocalPort());
            return app;
        } catch (Exception e) {
            try {
                server.stop();
                for (var connector : server.getConnectors()) {
                    if (connector instanceof ServerConnector bound) bound.close();
                }
            } catch (Exception stopFailure) {
                e.addSuppressed(stopFailure);
            }
            pool.close();
            throw e;
        }
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** The registered org.crac resources, in registration order. */
    public List<Resource> resources() {
        return resources;
    }

    HikariDataSource pool() {
        return pool;
    }

    /** Stops serving, then closes the outbound client and the pool. */
    @Override
    public void close() {
        try {
            connectors.drain();
            server.stop();
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new IllegalStateException("stopping Jetty failed", e);
        } finally {
            upstream.close();
            pool.close();
        }
    }

    private static Catalogue buildCatalogue(int megabytes) {
        System.out.println("sample: building dataset (~" + megabytes + " MB)");
        long start = System.nanoTime();
        Catalogue catalogue = Catalogue.build(megabytes);
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("sample: dataset ready: " + catalogue.size() + " items in " + millis + " ms");
        return catalogue;
    }

    private static HikariDataSource openPool(SampleConfig config) {
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("sample-pool");
        pool.setJdbcUrl(config.dbUrl());
        pool.setUsername(config.dbUser());
        pool.setPassword(config.dbPassword());
        pool.setMaximumPoolSize(4);
        pool.setMinimumIdle(1);
        pool.setConnectionTimeout(5_000);
        pool.setAllowPoolSuspension(true); // required by HikariPoolResource
        return new HikariDataSource(pool);
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            System.err.println("sample: error while stopping: " + e);
        }
    }
}
