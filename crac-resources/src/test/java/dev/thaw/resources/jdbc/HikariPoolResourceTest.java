package dev.thaw.resources.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

class HikariPoolResourceTest {

    private static final String HOUSEKEEPING_PERIOD = "com.zaxxer.hikari.housekeeping.periodMs";

    private final String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    private HikariDataSource dataSource;
    // Not the common pool: on a 2-core machine it has one thread, which a blocked task would starve.
    private final ExecutorService background = Executors.newCachedThreadPool();

    @BeforeAll
    static void runHikarisHousekeeperOftenEnoughToCatchItRefilling() {
        System.setProperty(HOUSEKEEPING_PERIOD, "100");
    }

    @AfterAll
    static void restoreHousekeeperPeriod() {
        System.clearProperty(HOUSEKEEPING_PERIOD);
    }

    @AfterEach
    void closePool() {
        background.shutdownNow();
        if (dataSource != null) dataSource.close();
    }

    @Test
    void hikari_pool_holds_no_connection_after_beforeCheckpoint_and_works_after_restore() throws Exception {
        dataSource = newPool(true);
        HikariPoolResource resource = new HikariPoolResource(dataSource, Duration.ofSeconds(5));
        assertEquals(1, queryOne(dataSource));
        assertTrue(openSessions() > 0, "the pool keeps idle connections open");

        resource.beforeCheckpoint(null);

        assertEquals(0, dataSource.getHikariPoolMXBean().getTotalConnections());
        assertEquals(0, openSessions(), "the database sees no session from the pool");
        Thread.sleep(500); // several housekeeper runs, each of which would refill an unsuspended pool
        assertEquals(0, dataSource.getHikariPoolMXBean().getTotalConnections());
        assertEquals(0, openSessions());

        resource.afterRestore(null);

        assertEquals(1, queryOne(dataSource));
        assertTrue(dataSource.getHikariPoolMXBean().getTotalConnections() > 0);
    }

    @Test
    void beforeCheckpoint_waits_for_a_borrowed_connection_to_be_returned() throws Exception {
        dataSource = newPool(true);
        HikariPoolResource resource = new HikariPoolResource(dataSource, Duration.ofSeconds(5));
        Connection borrowed = dataSource.getConnection();
        background.execute(() -> {
            sleep(300);
            closeQuietly(borrowed);
        });

        resource.beforeCheckpoint(null);

        assertTrue(borrowed.isClosed());
        assertEquals(0, dataSource.getHikariPoolMXBean().getTotalConnections());
        assertEquals(0, openSessions());
    }

    @Test
    void beforeCheckpoint_refuses_and_resumes_the_pool_when_a_connection_is_never_returned() throws Exception {
        dataSource = newPool(true);
        HikariPoolResource resource = new HikariPoolResource(dataSource, Duration.ofMillis(200));
        try (Connection held = dataSource.getConnection()) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> resource.beforeCheckpoint(null));
            assertTrue(refused.getMessage().contains("still borrowed"), refused.getMessage());

            assertFalse(held.isClosed(), "a refused checkpoint leaves the borrower's connection alone");
            // Suspended, this would block for the whole connection timeout.
            assertEquals(1, CompletableFuture.supplyAsync(() -> queryOneQuietly(dataSource), background).get(2, TimeUnit.SECONDS));
        }
    }

    @Test
    void refuses_a_pool_that_does_not_allow_suspension() {
        dataSource = newPool(false);

        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> new HikariPoolResource(dataSource));

        assertTrue(refused.getMessage().contains("allowPoolSuspension=true"), refused.getMessage());
    }

    private HikariDataSource newPool(boolean allowPoolSuspension) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("sa");
        config.setMinimumIdle(2);
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(5_000);
        config.setAllowPoolSuspension(allowPoolSuspension);
        return new HikariDataSource(config);
    }

    /** Sessions the database has open, other than the one asking. */
    private int openSessions() throws SQLException {
        try (Connection observer = DriverManager.getConnection(url, "sa", "");
             Statement statement = observer.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS")) {
            rows.next();
            return rows.getInt(1) - 1;
        }
    }

    private static int queryOne(HikariDataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT 1")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static int queryOneQuietly(HikariDataSource dataSource) {
        try {
            return queryOne(dataSource);
        } catch (SQLException e) {
            throw new RuntimeException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            throw new RuntimeException(e);
        }
    }
}
