package dev.thaw.pool;

import dev.thaw.image.ImageManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** USR2's port: starts making the next image while the pool serves ({@link NextImage} in production). */
public interface NextImageLauncher {
    Running start(ImageManifest serving, Path directory, Consumer<String> output) throws IOException;

    /** A checkpoint being made. */
    interface Running {
        long pid();

        /** Its exit code: 0 when the new image is in the directory. */
        CompletableFuture<Integer> exitCode();

        /** Its last error line, for the log. */
        String lastError();

        void kill();
    }
}
