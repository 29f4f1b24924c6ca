package dev.thaw.it;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

final class TempFiles {
    private TempFiles() {
    }

    static void delete(Path dir) throws Exception {
        if (dir != null) {
            new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
        }
    }
}
