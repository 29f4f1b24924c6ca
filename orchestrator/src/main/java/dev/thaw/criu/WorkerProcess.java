package dev.thaw.criu;

import dev.thaw.host.HostProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A restored worker as the host sees it: the {@code unshare} process we started, and below it the
 * JVM, whose host PID differs from the PID it sees in its namespace.
 */
public final class WorkerProcess {
    private final int workerId;
    /** The generation it serves: the image's, or the next one once it was reforked (it is that image's template). */
    private volatile long generation;
    private final Process namespace;
    private final long startedNanos;
    private final Path restoreLog;
    /** The PID the JVM has inside its namespace: the one CRIU restores, the dumped process's. */
    private final long pidInImage;
    /** The JVM, once the kernel has named it (see {@link #adopt}); null until then. */
    private volatile HostProcess jvm;
    /** Whether the namespace's exit code is the JVM's (criu restore --exit-with-task-status) or always 0. */
    private final boolean exitStatusKnown;

    WorkerProcess(int workerId, long generation, Process namespace, long startedNanos, Path restoreLog, long pidInImage,
                  boolean exitStatusKnown) {
        this.exitStatusKnown = exitStatusKnown;
        this.workerId = workerId;
        this.generation = generation;
        this.namespace = namespace;
        this.startedNanos = startedNanos;
        this.restoreLog = restoreLog;
        this.pidInImage = pidInImage;
    }

    public int workerId() {
        return workerId;
    }

    public long generation() {
        return generation;
    }

    /** After a refork made generation {@code g} from this worker, it serves as a worker of {@code g}. */
    public void nowServes(long g) {
        generation = g;
    }

    /** criu restore, PID 1 of the worker's PID namespace: {@code nsenter} targets it to enter the namespaces. */
    public Optional<ProcessHandle> namespaceInit() {
        return namespace.toHandle().children().findFirst();
    }

    /** Writes one line to the JVM's stdin (a restored JVM, or a reforked one after its dump, reads its identity there). */
    public void writeLine(String line) throws IOException {
        OutputStream stdin = namespace.getOutputStream();
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
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

    /**
     * Takes {@code pid}, which the kernel gave as the peer of a control connection that claims to be
     * this worker, as this worker's JVM, if it is: a process of this worker's own PID namespace (a
     * descendant of its unshare) with the PID the image's process had. Until a PID has been adopted,
     * nothing signals, measures or dumps the JVM. A second adoption (a reforked worker reconnecting)
     * must name the same process.
     *
     * @return why the PID is not this worker's JVM; empty when it was adopted
     */
    public Optional<String> adopt(long pid) {
        Optional<HostProcess> candidate = HostProcess.of(pid);
        if (candidate.isEmpty()) {
            return Optional.of("pid " + pid + " does not exist");
        }
        HostProcess p = candidate.get();
        if (!p.descendsFrom(namespace.pid())) {
            return Optional.of("pid " + pid + " is not in worker " + workerId + "'s PID namespace");
        }
        try {
            long inside = p.pidInNamespace();
            if (inside != pidInImage) {
                return Optional.of("pid " + pid + " is " + inside + " in its namespace, not the image's " + pidInImage);
            }
        } catch (IOException e) {
            return Optional.of("cannot read pid " + pid + "'s namespace PID: " + e.getMessage());
        }
        HostProcess known = jvm;
        if (known != null && !known.equals(p)) {
            return Optional.of(p + " is not the " + known + " already known as worker " + workerId);
        }
        jvm = p;
        return Optional.empty();
    }

    /** Whether {@code pid} is a process of this worker's PID namespace (its criu, its JVM or anything they started). */
    public boolean contains(long pid) {
        return HostProcess.of(pid).map(p -> p.descendsFrom(namespace.pid())).orElse(false);
    }

    /** The JVM as the kernel named it, while it is alive; empty before adoption and after its exit. */
    public Optional<HostProcess> jvm() {
        HostProcess p = jvm;
        return p != null && p.isAlive() ? Optional.of(p) : Optional.empty();
    }

    /**
     * The JVM's PID on the host, kept after its exit so that the last log lines can name it; -1 until
     * the kernel has named it (see {@link #adopt}). For display and labels only: act through {@link #jvm()}.
     */
    public long hostPid() {
        HostProcess p = jvm;
        return p == null ? -1 : p.pid();
    }

    /** How the worker ended; {@link WorkerExit#UNKNOWN} while it runs. */
    public WorkerExit exit() {
        return namespace.isAlive() ? WorkerExit.UNKNOWN : WorkerExit.ofStatus(namespace.exitValue(), exitStatusKnown);
    }

    public boolean isAlive() {
        return namespace.isAlive();
    }

    /**
     * Asks the JVM to exit through its shutdown hooks. Signals go through {@link ProcessHandle}:
     * {@link Process#destroy()} would also close our ends of the worker's pipes and lose its last words.
     */
    public void terminate() {
        Optional<ProcessHandle> target = jvm().flatMap(HostProcess::handle);
        if (target.isPresent()) {
            target.get().destroy();
        } else {
            kill(); // not adopted yet (still restoring) or already gone: nothing to drain
        }
    }

    /** Ends the whole namespace at once: SIGKILL to unshare, which kills criu, namespace init. */
    public void kill() {
        killSent = true;
        namespace.toHandle().destroyForcibly();
    }

    /** Whether thaw sent the SIGKILL ({@link #kill}, or {@link #terminate} before adoption): a SIGKILL then is thaw's, not the kernel's. */
    public boolean killSent() {
        return killSent;
    }

    private volatile boolean killSent;

    public String describe() {
        long pid = hostPid();
        return "worker=" + workerId + " gen=" + generation + " pid=" + (pid < 0 ? "?" : Long.toString(pid));
    }
}
