package dev.thaw.criu;

import dev.thaw.host.OutputPump;
import dev.thaw.image.ImageManifest;
import dev.thaw.lifecycle.WorkerIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Restores one worker from an image. Each restore runs in its own PID namespace, because CRIU gives
 * the restored JVM its original PID and many copies of one image run at once:
 *
 * <pre>
 *   orchestrator
 *    └─ setsid setpriv --pdeathsig KILL unshare --pid --mount --fork --mount-proc --kill-child
 *                                   (host side; killing it ends the namespace, and it is killed
 *                                    when the orchestrator dies, so no worker outlives its arbiter)
 *        └─ criu restore            (PID 1 of the namespace, waits for the worker)
 *            └─ java                (the leader's PID, inside the namespace)
 * </pre>
 *
 * The leader's stdin/stdout/stderr pipes are swapped for the worker's own ({@code --inherit-fd}):
 * criu's fds 0/1/2, pipes to this orchestrator, become the worker's, so each worker has its own
 * output and reads its own identity line.
 */
public final class Restorer {
    private final Criu criu;
    private final Path image;
    private final ImageManifest manifest;
    private final Path runDir;
    private final RestoreMode mode;
    /** criu restore --exit-with-task-status (thaw's patch): a worker's exit code or killing signal reaches thaw. */
    private final boolean exitStatus;

    public Restorer(Criu criu, Path image, ImageManifest manifest, Path runDir, RestoreMode mode) {
        this.criu = criu;
        this.image = image;
        this.manifest = manifest;
        this.runDir = runDir;
        this.mode = mode;
        this.exitStatus = criu.supports(EXIT_STATUS_FEATURE);
        this.kdatCache = criu.supports(KDAT_CACHE_FEATURE);
    }

    private static final String EXIT_STATUS_FEATURE = "exit-with-task-status";
    /**
     * $CRIU_KDAT_CACHE (thaw's CRIU patch): every restore of this pool shares one cache of CRIU's kernel
     * probes, in the run directory, instead of probing again (20-40 ms a restore, 170 ms measured under
     * load) where /run is not a tmpfs. It lives as long as the pool, so it never outlives a reboot.
     */
    private static final String KDAT_CACHE_FEATURE = "kdat-cache-env";
    private final boolean kdatCache;

    public RestoreMode mode() {
        return mode;
    }

    public ImageManifest manifest() {
        return manifest;
    }

    /** The directory restores read (a pinned image). */
    public Path image() {
        return image;
    }

    public WorkerProcess restore(WorkerIdentity identity, Consumer<String> output) throws IOException {
        Path workDir = runDir.resolve("worker-" + identity.workerId());
        Files.createDirectories(workDir);
        long started = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(command(workDir));
        if (kdatCache) {
            pb.environment().put("CRIU_KDAT_CACHE", runDir.toAbsolutePath().resolve("criu.kdat").toString());
        }
        Process process = pb.start();
        String prefix = "worker=" + identity.workerId() + " | ";
        OutputPump.start(process.getInputStream(), prefix, output);
        OutputPump.start(process.getErrorStream(), prefix, output);
        WorkerProcess worker = new WorkerProcess(identity.workerId(), identity.generation(), process, started,
                workDir.resolve("restore.log"), manifest.leaderPid(), exitStatus);
        // The identity waits in the pipe until the restored JVM returns from its read of stdin.
        worker.writeLine(identity.toMessage().encode());
        return worker;
    }

    List<String> command(Path workDir) {
        List<String> options = new ArrayList<>(mode.criuOptions());
        if (exitStatus) {
            options.add("--" + EXIT_STATUS_FEATURE);
        }
        return criu.commands().restoreWorker(image, workDir, "restore.log", options, manifest.pipes());
    }
}
