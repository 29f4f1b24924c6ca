package dev.thaw.resources.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * Any {@link DataSource} (a driver's plain one, DBCP, c3p0, Agroal, a vendor pool) made safe to
 * checkpoint: it is a DataSource itself, and hands out the connections of one that it builds, closes
 * before every checkpoint and builds again after every restore.
 *
 * <pre>{@code
 * RestorableDataSource db = RestorableDataSource.of(() -> {
 *     PGSimpleDataSource pg = new PGSimpleDataSource();
 *     pg.setUrl(url);
 *     return pg;
 * });
 * try (Connection c = db.getConnection()) { ... }
 * }</pre>
 *
 * <p>{@code beforeCheckpoint} stops handing out connections (callers wait), waits up to the close
 * timeout for every borrowed connection to be closed, then closes the data source if it is
 * {@link AutoCloseable} (a pool closes its connections). If borrowed connections are still open at the
 * timeout the checkpoint is refused and the data source keeps serving: a database socket in the image
 * would fail the dump, or let restored workers share one server session. {@code afterRestore} lets
 * callers through again; the next {@link #getConnection} builds a fresh data source for this process.
 *
 * <p>Only connections obtained through this wrapper are tracked. For HikariCP prefer
 * {@link HikariPoolResource}, which keeps the pool object and only suspends and refills it.
 */
public final class RestorableDataSource implements DataSource, Resource {

    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 20;

    private enum State { SERVING, CLOSED_FOR_CHECKPOINT }

    private final Supplier<? extends DataSource> factory;
    private final Duration closeTimeout;
    /** The physical connections handed out and not yet closed. */
    private final Set<Connection> borrowed = ConcurrentHashMap.newKeySet();
    /** Callers past the gate whose getConnection has not returned yet: their connection is not tracked yet. */
    private int opening;
    private State state = State.SERVING;
    private DataSource current;
    private int builds;

    private RestorableDataSource(Supplier<? extends DataSource> factory, Duration closeTimeout) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
        if (closeTimeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout must not be negative, got " + closeTimeout);
        }
    }

    /** Wraps the data sources {@code factory} builds, and registers with org.crac. */
    public static RestorableDataSource of(Supplier<? extends DataSource> factory) {
        return of(factory, DEFAULT_CLOSE_TIMEOUT);
    }

    /** {@code closeTimeout} bounds the wait for borrowed connections to be closed before a checkpoint. */
    public static RestorableDataSource of(Supplier<? extends DataSource> factory, Duration closeTimeout) {
        RestorableDataSource dataSource = new RestorableDataSource(factory, closeTimeout);
        Core.getGlobalContext().register(dataSource);
        return dataSource;
    }

    @Override
    public Connection getConnection() throws SQLException {
        DataSource dataSource = enter();
        try {
            return track(dataSource.getConnection());
        } finally {
            leave();
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        DataSource dataSource = enter();
        try {
            return track(dataSource.getConnection(username, password));
        } finally {
            leave();
        }
    }

    /** Connections handed out and not yet closed. */
    public int borrowedConnections() {
        return borrowed.size();
    }

    /** How many data sources have been built in this process's history, the leader's included. */
    public synchronized int builds() {
        return builds;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
        DataSource closing;
        synchronized (this) {
            state = State.CLOSED_FOR_CHECKPOINT;
            closing = current;
        }
        try {
            awaitAllReturned();
        } catch (Exception e) {
            reopen(); // the checkpoint will not happen: leave the application a working data source
            throw e;
        }
        synchronized (this) {
            current = null;
        }
        if (closing instanceof AutoCloseable closeable) closeable.close();
        log("closed for the checkpoint");
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        reopen();
    }

    private synchronized void reopen() {
        state = State.SERVING;
        notifyAll();
    }

    /** The current data source, counting the caller as opening a connection until {@link #leave}. */
    private synchronized DataSource enter() throws SQLException {
        DataSource dataSource = current();
        opening++;
        return dataSource;
    }

    private synchronized void leave() {
        opening--;
    }

    private synchronized boolean allReturned() {
        return outstanding() == 0;
    }

    private synchronized int outstanding() {
        return opening + borrowed.size();
    }

    private synchronized DataSource current() throws SQLException {
        while (state == State.CLOSED_FOR_CHECKPOINT) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for the checkpoint to end", e);
            }
        }
        if (current == null) {
            current = Objects.requireNonNull(factory.get(), "the factory of a RestorableDataSource returned null");
            builds++;
        }
        return current;
    }

    private void awaitAllReturned() throws InterruptedException {
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        while (!allReturned()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException(outstanding() + " connection(s) still borrowed after " + closeTimeout
                        + "; refusing to checkpoint with open database connections");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** A connection that leaves the borrowed set when it is closed. */
    private Connection track(Connection physical) {
        borrowed.add(physical);
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "close":
                            try {
                                physical.close();
                            } finally {
                                borrowed.remove(physical);
                            }
                            return null;
                        case "equals": return proxy == args[0];
                        case "hashCode": return System.identityHashCode(proxy);
                        case "toString": return "RestorableDataSource connection " + physical;
                        default: break;
                    }
                    try {
                        return method.invoke(physical, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return current().getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        current().setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        current().setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return current().getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("RestorableDataSource does not log through java.util.logging");
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return type.isInstance(this) ? type.cast(this) : current().unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || current().isWrapperFor(type);
    }

    private static void log(String message) {
        System.err.println("thaw-resources: datasource: " + message);
    }
}
