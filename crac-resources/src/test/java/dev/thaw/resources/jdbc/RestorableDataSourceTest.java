package dev.thaw.resources.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

class RestorableDataSourceTest {

    private final String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    /** Every pool the factory built, to check what was closed. */
    private final List<HikariDataSource> pools = new ArrayList<>();
    private final ExecutorService background = Executors.newCachedThreadPool();

    @AfterEach
    void closeAll() {
        background.shutdownNow();
        pools.forEach(HikariDataSource::close);
    }

    @Test
    void a_plain_driver_data_source_serves_connections_and_tracks_the_ones_borrowed() throws Exception {
        RestorableDataSource db = RestorableDataSource.of(this::plain);
        try (Connection c = db.getConnection()) {
            assertEquals(1, queryOne(c));
            assertEquals(1, db.borrowedConnections());
        }
        assertEquals(0, db.borrowedConnections());
    }

    @Test
    void a_pool_is_closed_before_the_checkpoint_and_a_new_one_serves_after_restore() throws Exception {
        RestorableDataSource db = RestorableDataSource.of(this::pool);
        try (Connection c = db.getConnection()) {
            assertEquals(1, queryOne(c));
        }
        assertEquals(1, openSessions(), "the leader's pool keeps its connection idle");

        db.beforeCheckpoint(null);
        assertTrue(pools.get(0).isClosed(), "the leader's pool is closed, its connections with it");
        assertEquals(0, openSessions());
        db.afterRestore(null);

        try (Connection c = db.getConnection()) {
            assertEquals(1, queryOne(c));
        }
        assertEquals(2, db.builds(), "the worker got a pool of its own");
        assertFalse(pools.get(1).isClosed());
    }

    @Test
    void the_checkpoint_waits_for_a_borrowed_connection_to_be_closed() throws Exception {
        RestorableDataSource db = RestorableDataSource.of(this::pool, Duration.ofSeconds(10));
        Connection borrowed = db.getConnection();
        CompletableFuture<Void> checkpoint = CompletableFuture.runAsync(() -> call(() -> db.beforeCheckpoint(null)), background);
        assertThrows(TimeoutException.class, () -> checkpoint.get(300, TimeUnit.MILLISECONDS));

        borrowed.close();
        checkpoint.get(5, TimeUnit.SECONDS);
        assertTrue(pools.get(0).isClosed());
    }

    @Test
    void a_connection_kept_past_the_timeout_refuses_the_checkpoint_and_the_data_source_keeps_serving() throws Exception {
        RestorableDataSource db = RestorableDataSource.of(this::pool, Duration.ofMillis(200));
        try (Connection kept = db.getConnection()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> db.beforeCheckpoint(null));
            assertTrue(e.getMessage().contains("1 connection(s) still borrowed after PT0.2S"), e.getMessage());
            assertFalse(pools.get(0).isClosed());
            try (Connection another = db.getConnection()) {
                assertEquals(1, queryOne(another));
            }
        }
    }

    @Test
    void getConnection_waits_during_the_checkpoint_and_is_served_by_the_workers_pool() throws Exception {
        RestorableDataSource db = RestorableDataSource.of(this::pool);
        db.getConnection().close();
        db.beforeCheckpoint(null);

        CompletableFuture<Integer> caller = CompletableFuture.supplyAsync(() -> {
            try (Connection c = db.getConnection()) {
                return queryOne(c);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, background);
        assertThrows(TimeoutException.class, () -> caller.get(300, TimeUnit.MILLISECONDS));
        db.afterRestore(null);

        assertEquals(1, caller.get(5, TimeUnit.SECONDS));
        assertEquals(2, db.builds());
    }

    @Test
    void a_connection_being_opened_when_the_checkpoint_starts_is_waited_for_too() throws Exception {
        CountDownLatch connecting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RestorableDataSource db = RestorableDataSource.of(() -> slowToConnect(connecting, release), Duration.ofSeconds(10));
        CompletableFuture<Connection> opening = CompletableFuture.supplyAsync(() -> {
            try {
                return db.getConnection();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, background);
        assertTrue(connecting.await(5, TimeUnit.SECONDS));

        CompletableFuture<Void> checkpoint = CompletableFuture.runAsync(() -> call(() -> db.beforeCheckpoint(null)), background);
        release.countDown();
        Connection late = opening.get(5, TimeUnit.SECONDS);
        assertThrows(TimeoutException.class, () -> checkpoint.get(300, TimeUnit.MILLISECONDS),
                "the connection opened across the start of the checkpoint would be dumped");
        late.close();
        checkpoint.get(5, TimeUnit.SECONDS);
    }

    /** An H2 data source whose getConnection announces itself and then waits to be released. */
    private DataSource slowToConnect(CountDownLatch connecting, CountDownLatch release) {
        DataSource h2 = plain();
        return (DataSource) java.lang.reflect.Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        connecting.countDown();
                        release.await(10, TimeUnit.SECONDS);
                    }
                    return method.invoke(h2, args);
                });
    }

    @Test
    void unwrap_reaches_the_current_data_source() throws Exception {
        RestorableDataSource db = RestorableDataSource.of(this::pool);
        assertTrue(db.isWrapperFor(HikariDataSource.class));
        assertEquals(pools.get(0), db.unwrap(HikariDataSource.class));
        assertEquals(db, db.unwrap(RestorableDataSource.class));
    }

    private DataSource plain() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(url);
        return h2;
    }

    private DataSource pool() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMinimumIdle(1);
        config.setMaximumPoolSize(2);
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        return pool;
    }

    /** Sessions H2 has open, seen through a connection of the test's own (not counted). */
    private int openSessions() throws SQLException {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(url);
        try (Connection c = h2.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select count(*) from information_schema.sessions")) {
            r.next();
            return r.getInt(1) - 1;
        }
    }

    private static int queryOne(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("select 1")) {
            r.next();
            return r.getInt(1);
        }
    }

    interface Call {
        void run() throws Exception;
    }

    private static void call(Call call) {
        try {
            call.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
