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
 * beforeCheckpoint) or {@code failing-after} ('cache' throws in afterRestore); or, with {@code unsafe},
 * the app keeps a listening socket open through the checkpoint; or {@code refusing-refork}
 * ('batch-job' throws in beforeCheckpoint, but only in a worker: the leader checkpoints, a refork of
 * its worker is refused). afterRestore also reports
 * {@code System.getenv("GREETING")} and 8 bytes from a SHA1PRNG seeded with a fixed seed in main.
 */
public final class LeaderApp {
    /** org.crac holds resources weakly: an app keeps its resources reachable. */
    private static final Reporting RESOURCE = new Reporting();
    /** Seeded with {@link #FIXED_SEED} before the checkpoint: without reseeding, its output is predictable. */
    private static java.security.SecureRandom sha1;
    static final byte[] FIXED_SEED = {4, 2};
    private static java.net.ServerSocket listener;

    private LeaderApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        org.crac.Core.getGlobalContext().register(RESOURCE);
        String scenario = args.length > 0 ? args[0] : "ok";
        try {
            sha1 = java.security.SecureRandom.getInstance("SHA1PRNG");
            sha1.setSeed(FIXED_SEED);
            if (scenario.equals("unsafe")) {
                listener = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            }
        } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
        if (scenario.equals("main-returns")) {
            // Like a server whose main returns once it has started its threads: the server's one non-daemon thread keeps
            // the JVM alive, and its resource stops it before the checkpoint and starts a new one after the restore.
            SERVER.start();
            org.crac.Core.getGlobalContext().register(SERVER);
            return;
        }
        // The agent's control threads are daemons: the app's own thread keeps the JVM alive.
        Thread.sleep(Long.MAX_VALUE);
    }

    private static final ServerThread SERVER = new ServerThread();

    /** The "main-returns" scenario's server: one non-daemon thread, stopped by beforeCheckpoint, started again by afterRestore. */
    private static final class ServerThread implements org.crac.Resource {
        private Thread thread;

        synchronized void start() {
            thread = new Thread(() -> {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException stopped) {
                    // stopped for the checkpoint
                }
            }, "app-server");
            thread.start();
        }

        @Override
        public synchronized void beforeCheckpoint(org.crac.Context<? extends org.crac.Resource> context) throws InterruptedException {
            thread.interrupt();
            thread.join();
        }

        @Override
        public void afterRestore(org.crac.Context<? extends org.crac.Resource> context) {
            start();
        }
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
                    + " GREETING=" + Thaw.getenv("GREETING")
                    + " getenv.GREETING=" + System.getenv("GREETING")
                    + " sha1=" + next8(sha1));
        }

        private static String next8(java.security.SecureRandom random) {
            byte[] b = new byte[8];
            random.nextBytes(b);
            return java.util.HexFormat.of().formatHex(b);
        }
    }
}
