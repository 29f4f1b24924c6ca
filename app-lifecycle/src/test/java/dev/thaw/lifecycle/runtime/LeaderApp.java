package dev.thaw.lifecycle.runtime;

import dev.thaw.lifecycle.Thaw;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The app that {@link LeaderProtocolTest} starts as a leader JVM, with thaw's agent and
 * {@code -Dthaw.control}. It registers one org.crac resource that reports each callback on stdout:
 *
 * <pre>
 * app started
 * beforeCheckpoint count=1
 * afterRestore count=1 thaw.worker.id=2 x=y GREETING=hello
 * </pre>
 *
 * The optional argument adds a Thaw hook that fails: {@code failing-before} ('db-pool' throws in
 * beforeCheckpoint) or {@code failing-after} ('cache' throws in afterRestore), or
 * {@code refusing-refork} ('batch-job' throws in beforeCheckpoint, but only in a worker: the leader
 * checkpoints, a refork of its worker is refused).
 */
public final class LeaderApp {
    /** org.crac holds resources weakly: an app keeps its resources reachable. */
    private static final Reporting RESOURCE = new Reporting();

    private LeaderApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        org.crac.Core.getGlobalContext().register(RESOURCE);
        String scenario = args.length > 0 ? args[0] : "ok";
        if (scenario.equals("failing-before")) {
            Thaw.beforeCheckpoint("db-pool", () -> {
                throw new IllegalStateException("pool busy");
            });
        } else if (scenario.equals("refusing-refork")) {
            Thaw.beforeCheckpoint("batch-job", () -> {
                if (System.getProperty("thaw.worker.id") != null) {
                    throw new IllegalStateException("a batch is running");
                }
            });
        } else if (scenario.equals("failing-after")) {
            Thaw.afterRestore("cache", () -> {
                throw new IllegalStateException("cache unreachable");
            });
        }
        report("app started");
        // The agent's control threads are daemons: the app's own thread keeps the JVM alive.
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void report(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static final class Reporting implements org.crac.Resource {
        private final AtomicInteger before = new AtomicInteger();
        private final AtomicInteger after = new AtomicInteger();

        @Override
        public void beforeCheckpoint(org.crac.Context<? extends org.crac.Resource> context) {
            report("beforeCheckpoint count=" + before.incrementAndGet());
        }

        @Override
        public void afterRestore(org.crac.Context<? extends org.crac.Resource> context) {
            report("afterRestore count=" + after.incrementAndGet()
                    + " thaw.worker.id=" + System.getProperty("thaw.worker.id")
                    + " x=" + System.getProperty("x")
                    + " GREETING=" + Thaw.getenv("GREETING"));
        }
    }
}
