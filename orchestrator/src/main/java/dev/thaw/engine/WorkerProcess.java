package dev.thaw.engine;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A restored worker as the host sees it: the {@code unshare} process we started, and below it the
 * JVM, whose host PID differs from the PID it sees in its namespace.
 */
public final class WorkerProcess {
    private final int workerId;
    private final long generation;
    private final Process namespace;
    private final long startedNanos;
    private final Path restoreLog;
    private volatile long hostPid = -1;

    WorkerProcess(int workerId, long generation, Process namespace, long startedNanos, Path restoreLog) {
        this.workerId = workerId;
        this.generation = generation;
        this.namespace = namespace;
        this.startedNanos = startedNanos;
        this.restoreLog = restoreLog;
    }

    public int workerId() {
        return workerId;
    }

    public long generation() {
        return generation;
    }

    public Process namespace() {
        return namespace;
    }

    public Path restoreLog() {
        return restoreLog;
    }

    public long millisSinceStart() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    /** The restored JVM: the child of criu, which is the child of unshare. */
    public Optional<ProcessHandle> jvm() {
        return namespace.toHandle().children().findFirst()
                .flatMap(criu -> criu.children().findFirst());
    }

    /**
     * The JVM's PID on the host, remembered once seen so that it can still be logged after the exit.
     * Mid-restore, criu's first child is one short-lived criu helper after another, then the task that
     * becomes the JVM, still running criu's executable until its restore is done. Only a process whose
     * executable is known and is not criu is remembered, or a worker would keep a PID that is not its own.
     */
    public long hostPid() {
        if (hostPid < 0) {
            Optional<ProcessHandle> jvm = jvm();
            boolean restored = jvm.flatMap(p -> p.info().command()).map(c -> !c.endsWith("/criu")).orElse(false);
            if (!restored) {
                return jvm.map(ProcessHandle::pid).orElse(-1L);
            }
            hostPid = jvm.get().pid();
        }
        return hostPid;
    }

    public boolean isAlive() {
        return namespace.isAlive();
    }

    /**
     * Asks the JVM to exit through its shutdown hooks. Signals go through {@link ProcessHandle}:
     * {@link Process#destroy()} would also close our ends of the worker's pipes and lose its last words.
     */
    public void terminate() {
        jvm().orElse(namespace.toHandle()).destroy();
    }

    /** Ends the whole namespace at once: SIGKILL to unshare, which kills criu, namespace init. */
    public void kill() {
        namespace.toHandle().destroyForcibly();
    }

    public String describe() {
        return "worker=" + workerId + " gen=" + generation + " pid=" + hostPid();
    }
}
