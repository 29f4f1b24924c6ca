package dev.thaw.it;

import dev.thaw.testkit.TcpSockets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An image of the sample app made by {@link SampleAppImageExtension} and shared by every test class
 * that only restores from it: -Xmx256m, a 10 MB dataset, no database, warmed with 200 requests on
 * /health and /items/7. Its workers serve {@link #port()}. A test that writes into an image (a
 * refork, a new image, a --force checkpoint) works on its own {@link #copyTo copy}.
 */
record SampleAppImage(Path dir, int port) {

    /** A copy of the image of the test's own, as {@code cp -a} makes it (the image's files are never changed in place). */
    Path copyTo(Path target) throws Exception {
        return TempFiles.copyDirectory(dir, target);
    }

    /**
     * Waits until nothing listens on the app's port: the classes sharing the image run one after the
     * other on the same port, and a worker of the previous class's pool may still be going away.
     */
    void awaitPortFree(Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (TcpSockets.isListening(port)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("something still listens on the sample app's port " + port + " after " + bound);
            }
            Thread.sleep(100);
        }
    }
}
