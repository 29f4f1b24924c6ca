package dev.thaw.resources.jdbc;

import java.lang.reflect.Field;
import java.util.concurrent.ThreadPoolExecutor;

import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.pool.HikariPool;

/**
 * Tells whether Hikari is still physically closing connections.
 *
 * <p>Hikari removes an evicted connection from its count at once but closes it later on its private
 * "connection closer" executor, so a total of zero does not yet mean the sockets are gone. Spring
 * Boot's HikariCheckpointRestoreLifecycle reads the same private field. If a future Hikari renames it,
 * or the module system forbids the access, this degrades to trusting the total alone.
 */
final class ConnectionCloser {

    private static final Field EXECUTOR_FIELD = findExecutorField();

    boolean isIdle(HikariPoolMXBean pool) {
        ThreadPoolExecutor executor = executorOf(pool);
        return executor == null || (executor.getActiveCount() == 0 && executor.getQueue().isEmpty());
    }

    private static ThreadPoolExecutor executorOf(HikariPoolMXBean pool) {
        if (EXECUTOR_FIELD == null || !(pool instanceof HikariPool)) return null;
        try {
            return (ThreadPoolExecutor) EXECUTOR_FIELD.get(pool);
        } catch (IllegalAccessException e) {
            return null;
        }
    }

    private static Field findExecutorField() {
        try {
            Field field = HikariPool.class.getDeclaredField("closeConnectionExecutor");
            if (!ThreadPoolExecutor.class.isAssignableFrom(field.getType())) return null;
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException | RuntimeException e) {
            System.err.println("thaw-resources: hikari: cannot watch the connection closer (" + e
                    + "); relying on the pool's connection count only");
            return null;
        }
    }
}
