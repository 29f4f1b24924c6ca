package dev.thaw.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * A work directory for tests whose app runs as another user ({@code --user nobody}): open for that user to
 * enter (the app's working directory; thaw keeps the image private below it), with copies of the sample
 * app's jar and of thaw's agent that the user can read wherever the checkout is (one under /root is
 * closed to nobody), and the environment that points thaw at that agent.
 *
 * @param dir the directory, mode 0755
 * @param jar the sample app's jar in it
 * @param env {@code THAW_AGENT}: the agent's copy in it
 */
record AppUserWorkDir(Path dir, Path jar, Map<String, String> env) implements AutoCloseable {
    static AppUserWorkDir create(String prefix) throws Exception {
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.copy(Environment.SAMPLE_JAR, dir.resolve("app.jar"));
        Path agent = Files.copy(Environment.REPO.resolve("orchestrator/target/thaw-agent.jar"), dir.resolve("thaw-agent.jar"));
        return new AppUserWorkDir(dir, jar, Map.of("THAW_AGENT", agent.toString()));
    }

    @Override
    public void close() throws Exception {
        TempFiles.delete(dir);
    }
}
