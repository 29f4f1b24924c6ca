package dev.thaw.resources.jdbc;

import java.time.Duration;
import java.util.Objects;

import org.crac.Context;
import org.crac.Resource;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;

/**
 * Empties a HikariCP pool for a checkpoint and lets it refill after restore.
 *
 * <p>{@link #beforeCheckpoint} suspends the pool, so that neither borrowers nor Hikari's housekeeper
 * can open new connections, then evicts every connection and waits until all of them are physically
 * closed: a database socket in the image would make the checkpoint fail, or a restored worker share a
 * server session with its siblings. Borrowed connections are closed as they are returned. If they are
 * not all closed within the timeout the pool is resumed and the checkpoint refused.
 * {@link #afterRestore} resumes the pool, which opens fresh connections (minimumIdle) for this process;
 * borrowers that blocked while it was suspended then proceed.
 *
 * <p>Suspension needs {@code allowPoolSuspension=true} in the pool's configuration.
 */
public final class HikariPoolResource implements Resource {

    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 20;

    private final HikariDataSource dataSource;
    private final Duration closeTimeout;
    private final ConnectionCloser closer = new ConnectionCloser();

    public HikariPoolResource(HikariDataSource dataSource) {
        this(dataSource, DEFAULT_CLOSE_TIMEOUT);
    }

    /** {@code closeTimeout} bounds the wait for borrowed connections to come back and be closed. */
    public HikariPoolResource(HikariDataSource dataSource, Duration closeTimeout) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
        if (closeTimeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout must not be negative, got " + closeTimeout);
        }
        requireSuspendable(dataSource);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
        requireSuspendable(dataSource);
        HikariPoolMXBean pool = runningPool();
        if (pool == null) return;

        pool.suspendPool();
        try {
            closeAllConnections(pool);
        } catch (Exception e) {
            // The checkpoint will not happen: leave the application with a working pool.
            pool.resumePool();
            throw e;
        }
        log("suspended, all connections closed");
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        HikariPoolMXBean pool = runningPool();
        if (pool == null) return;

        pool.resumePool();
        log("resumed");
    }

    private void closeAllConnections(HikariPoolMXBean pool) throws InterruptedException {
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        while (true) {
            // Idle connections are closed at once; borrowed ones are marked and closed when returned.
            pool.softEvictConnections();
            if (pool.getTotalConnections() == 0 && closer.isIdle(pool)) return;
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException(name() + ": " + pool.getActiveConnections()
                        + " connection(s) still borrowed after " + closeTimeout
                        + "; refusing to checkpoint with open database connections");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** The pool, or null if it was never started or is already closed: then it holds no connection. */
    private HikariPoolMXBean runningPool() {
        if (dataSource.isClosed()) return null;
        return dataSource.getHikariPoolMXBean();
    }

    private static void requireSuspendable(HikariDataSource dataSource) {
        if (!dataSource.isAllowPoolSuspension()) {
            throw new IllegalStateException("HikariPoolResource needs allowPoolSuspension=true on pool '"
                    + dataSource.getPoolName() + "' (HikariConfig.setAllowPoolSuspension(true)):"
                    + " without it the pool would reopen connections during the checkpoint");
        }
    }

    private String name() {
        return "pool '" + dataSource.getPoolName() + "'";
    }

    private void log(String message) {
        System.err.println("thaw-resources: hikari: " + name() + " " + message);
    }
}
