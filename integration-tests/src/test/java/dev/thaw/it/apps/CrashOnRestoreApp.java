package dev.thaw.it.apps;

import java.util.concurrent.CountDownLatch;

/**
 * An image that verifies but cannot boot: it checkpoints cleanly, and every restored worker dies in
 * afterRestore (exit code 3), as an app whose new release is broken would.
 * {@code java -cp ... CrashOnRestoreApp PORT}.
 */
public final class CrashOnRestoreApp {
    private CrashOnRestoreApp() {
    }

    public static void main(String[] args) throws Exception {
        Readiness.serveUntilCheckpoint(Integer.parseInt(args[0]), () -> Runtime.getRuntime().halt(3));
        new CountDownLatch(1).await();
    }
}
