package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Directories of images and work files, handled with coreutils as root handles them (CRIU's files are root's). */
final class TempFiles {
    private TempFiles() {
    }

    static void delete(Path dir) throws Exception {
        if (dir != null) {
            new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
        }
    }

    /** {@code cp -a}: an image's copy keeps its modes and times, so that it verifies like the original. */
    static Path copyDirectory(Path from, Path to) throws Exception {
        Process cp = new ProcessBuilder("cp", "-a", from.toString(), to.toString()).inheritIO().start();
        assertTrue(cp.waitFor(2, TimeUnit.MINUTES), "cp -a " + from + " " + to + " did not finish");
        assertEquals(0, cp.exitValue(), "cp -a " + from + " " + to);
        return to;
    }
}
