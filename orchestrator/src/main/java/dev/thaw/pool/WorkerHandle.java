package dev.thaw.pool;

import dev.thaw.criu.RestoreStats;
import dev.thaw.criu.WorkerExit;
import dev.thaw.host.ProcessMemory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One worker process as the supervisor drives it. The engine's restored JVMs implement it
 * ({@link RestoredWorker}); the supervisor's unit tests use fakes.
 */
public interface WorkerHandle {
    int slot();

    /** The generation it serves: its image's, or the next one once it was reforked. */
    long generation();

    /** After a refork made generation {@code g} from this worker, it serves as a worker of {@code g}. */
    void nowServes(long g);

    /** The pinned image directory it was restored from: kept while it lives (mapped pages, roll back). */
    Path image();

    /**
     * Takes {@code pid}, the kernel-reported peer of a control connection claiming to be this worker,
     * as its JVM if it is one; empty when adopted, else why not.
     */
    Optional<String> adopt(long pid);

    /** Whether {@code pid} runs inside this worker (its JVM, or anything in its PID namespace). */
    boolean contains(long pid);

    /** The JVM's host PID for logs and labels, -1 until adopted. */
    long hostPid();

    /** Writes one line to the JVM's stdin (its identity, after a restore or a refork's dump). */
    void writeLine(String line) throws IOException;

    /** Completes when the worker has exited. */
    CompletableFuture<?> onExit();

    boolean isAlive();

    /** How it ended: an exit code or a signal. */
    WorkerExit exit();

    /** Whether thaw sent it SIGKILL (a kill, or a TERM before its JVM was known, which kills): its SIGKILL is then thaw's. */
    boolean killedByThaw();

    /**
     * How many processes the kernel's OOM killer killed in its memory cgroup since it started (see
     * {@link dev.thaw.host.OomKills}); -1 when that cannot be read, so that a SIGKILL is blamed on memory only with evidence.
     */
    long oomKillsSinceStart();

    /** TERM: drain and exit through the shutdown hooks. */
    void terminate();

    /** KILL, at once. */
    void kill();

    /** "worker=N gen=G pid=P", the prefix of every log line about it. */
    String describe();

    /** Its memory now (RSS, PSS, shared...); {@link ProcessMemory#NONE} when unknown. */
    ProcessMemory memory();

    /** What CRIU reported about its restore (time, bytes mapped and copied), once known. */
    Optional<RestoreStats> criuStats();

    /** CRIU's first error while restoring it, for a worker that failed to boot. */
    Optional<String> criuError();
}
