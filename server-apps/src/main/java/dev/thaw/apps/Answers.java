package dev.thaw.apps;

/**
 * What every app of this module answers, whatever its server: {@code /hello} names the worker (thaw sets
 * {@code thaw.worker.id} in each one; "leader" before the checkpoint), {@code /sleep?ms=N} answers after N
 * milliseconds, for a request that is still running when something happens to its worker.
 */
final class Answers {
    private Answers() {
    }

    static int port() {
        return Integer.getInteger("app.port", 8080);
    }

    static String hello() {
        return "worker=" + System.getProperty("thaw.worker.id", "leader") + "\n";
    }

    /** The milliseconds of {@code ms=N} in a query string, 0 without one; at most a minute. */
    static long sleepMillis(String query) {
        if (query == null) {
            return 0;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("ms=")) {
                return Math.min(60_000, Long.parseLong(pair.substring(3)));
            }
        }
        return 0;
    }

    /**
     * The main thread stays, as a server's join() would keep it: between beforeCheckpoint and afterRestore
     * the server's own threads are gone, and a JVM without a live non-daemon thread would exit.
     */
    static void serveForever() throws InterruptedException {
        new java.util.concurrent.CountDownLatch(1).await();
    }

    static String slept(String query) throws InterruptedException {
        long ms = sleepMillis(query);
        Thread.sleep(ms);
        return "slept " + ms + " ms\n";
    }
}
