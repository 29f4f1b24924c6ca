package dev.thaw.criu;

import dev.thaw.ThawException;
import dev.thaw.host.DiskSpace;
import dev.thaw.host.HostProcess;
import dev.thaw.image.FileDigest;
import dev.thaw.image.ImageDirectory;
import dev.thaw.image.ImageManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes the next image from a serving worker that has run its beforeCheckpoint: {@code criu dump
 * --leave-running}, so the worker goes on afterwards, into a staging directory that replaces the image
 * only once complete (the same atomic commit as 'thaw checkpoint').
 *
 * <p>Why through {@code nsenter}: the worker is not the init of its PID namespace (criu restore is, and
 * waits for it), and CRIU refuses to dump a task of another PID namespace without that namespace's init
 * ("Can't dump a pid namespace without the process init"). Run inside the worker's PID and mount
 * namespaces, CRIU sees the worker as a plain process tree of its own namespace: it dumps it under the
 * PID it has there (the leader's original PID) and records no namespace, so the image restores
 * exactly like the leader's:
 *
 * <pre>
 *   orchestrator
 *    ├─ unshare ─ criu restore (PID 1 of the namespace) ─ java (worker, PID 11585 inside)
 *    └─ nsenter -t &lt;criu restore&gt; --pid --mount ─ criu dump -t 11585 --leave-running
 * </pre>
 *
 * The mount namespace comes along for /proc: the worker's namespace mounts its own, where 11585 is the
 * worker (on the host's /proc it would be another process). Everything the dump reads or writes (image
 * directory, run directory) must therefore exist on a file system the worker's namespace sees, which
 * holds for any directory made on a file system mounted before 'thaw run' started.
 */
public final class ReforkDump {
    private final Criu criu;
    private final ImageDirectory image;
    private final Path runDir;
    private final Duration timeout;

    /** @param timeout how long criu dump may take before it is killed and the refork fails (--dump-timeout) */
    public ReforkDump(Criu criu, ImageDirectory image, Path runDir, Duration timeout) {
        this.timeout = timeout;
        this.criu = criu;
        this.image = image;
        this.runDir = runDir;
    }

    /**
     * Dumps {@code worker} (serving {@code serving}) into the image directory and returns the new image's
     * manifest, whose madeFrom names the dumped process (PID and start time). Only a JVM the kernel named
     * as this worker's ({@link WorkerProcess#adopt}) and that is still that process is dumped.
     */
    public ImageManifest dump(WorkerProcess worker, ImageManifest serving, String madeFrom, ImageManifest.MemoryAtDump memory)
            throws IOException {
        HostProcess jvm = worker.jvm()
                .orElseThrow(() -> new ThawException("worker " + worker.workerId() + "'s JVM is gone or was never named by the kernel"));
        long hostPid = jvm.pid();
        long init = worker.namespaceInit().map(ProcessHandle::pid)
                .orElseThrow(() -> new ThawException("worker " + worker.workerId() + " has no namespace init any more (it exited)"));
        long pidInside = jvm.pidInNamespace();
        Path staging = image.createStaging();
        boolean committed = false;
        try {
            DiskSpace.requireRoomFor(hostPid, staging);
            ImageManifest.PipeInodes pipes = ImageManifest.PipeInodes.of(hostPid);
            Path log = runDir.resolve("refork-" + worker.workerId() + "-gen" + (serving.generation() + 1) + ".log");
            long started = System.nanoTime();
            if (!jvm.isAlive()) { // the PID inside the namespace names this process only while it lives
                throw new ThawException("worker " + worker.workerId() + "'s JVM (" + jvm + ") exited before its dump");
            }
            List<String> cmd = criu.commands().dumpLiveWorker(init, pidInside, staging, runDir, log.getFileName().toString());
            Criu.ProcessResult r = Criu.ProcessResult.run(cmd, (int) Math.min(Integer.MAX_VALUE, timeout.toSeconds()));
            if (r.timedOut()) {
                throw new ThawException("criu dump --leave-running did not finish within " + timeout.toSeconds()
                        + " s and was killed (raise --dump-timeout for a large heap or a slow disk; log: " + log + ")");
            }
            if (r.exitCode() != 0) {
                throw new ThawException("criu dump --leave-running failed: " + CriuLog.firstError(log).orElse(r.lastLine())
                        + " (full log: " + log + ")");
            }
            long dumpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            List<FileDigest> files = ImageDirectory.digestCriuFiles(staging);
            if (!jvm.isAlive()) {
                throw new ThawException("worker " + worker.workerId() + "'s JVM (" + jvm + ") exited during its dump");
            }
            ImageManifest next = serving.reforked(Instant.now(), pipes, pidInside, files, dumpMillis, madeFrom + ", " + jvm, memory);
            next.write(staging);
            image.commitIfStill(staging, serving);
            committed = true;
            return next;
        } finally {
            if (!committed) {
                ImageDirectory.deleteRecursively(staging);
            }
        }
    }
}
