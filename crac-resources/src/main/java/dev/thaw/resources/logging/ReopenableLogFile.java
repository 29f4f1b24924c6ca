package dev.thaw.resources.logging;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * A log file that is closed before every checkpoint and reopened after every restore, and reopened
 * again whenever thaw is sent USR1 (after logrotate has moved it), as gunicorn's workers do.
 *
 * <p>A file open for writing cannot stay open across the checkpoint: CRIU refuses to restore it once
 * its size has changed, and all workers would share the leader's file offset. The path may contain
 * {@code {worker}}, replaced by the worker's id ({@code thaw.worker.id}) or {@code leader}, so that each
 * worker writes its own file; without it all workers append to one file (O_APPEND keeps each write whole).
 *
 * <pre>{@code
 * ReopenableLogFile file = ReopenableLogFile.open("/var/log/app/access-{worker}.log");
 * PrintStream access = new PrintStream(file, true, StandardCharsets.UTF_8);
 * }</pre>
 *
 * <p>Bytes written while the file is closed for the checkpoint go to stderr, which thaw captures.
 */
public final class ReopenableLogFile extends OutputStream implements Resource {

    public static final String WORKER_PLACEHOLDER = "{worker}";

    private enum State { OPEN, CLOSED_FOR_CHECKPOINT, CLOSED }

    private final String pathPattern;
    private State state;
    private FileOutputStream out;
    private Path path;
    private int opens;

    private ReopenableLogFile(String pathPattern) {
        this.pathPattern = Objects.requireNonNull(pathPattern, "pathPattern");
    }

    /**
     * Opens (appending, creating it and its directory if needed) the file, and registers it with
     * org.crac and, when thaw's agent is present, for USR1.
     */
    public static ReopenableLogFile open(String pathPattern) throws IOException {
        ReopenableLogFile file = new ReopenableLogFile(pathPattern);
        file.reopen();
        Core.getGlobalContext().register(file);
        LogReopenSignal.register("log file " + pathPattern, file::reopen);
        return file;
    }

    /** Closes the file and opens its path again: after a rotation, the path names a new file. */
    public synchronized void reopen() throws IOException {
        if (state == State.CLOSED) throw new IOException("log file " + path + " was closed by the application");
        closeFile();
        path = Path.of(pathPattern.replace(WORKER_PLACEHOLDER, System.getProperty("thaw.worker.id", "leader")));
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        out = new FileOutputStream(path.toFile(), true);
        state = State.OPEN;
        opens++;
    }

    /** The file written now. */
    public synchronized Path path() {
        return path;
    }

    /** How many times the file was opened in this process's history, the leader's included. */
    public synchronized int opens() {
        return opens;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        target().write(b);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
        target().write(bytes, offset, length);
    }

    @Override
    public synchronized void flush() throws IOException {
        target().flush();
    }

    @Override
    public synchronized void close() throws IOException {
        closeFile();
        state = State.CLOSED;
    }

    @Override
    public synchronized void beforeCheckpoint(Context<? extends Resource> context) throws IOException {
        if (state != State.OPEN) return;
        closeFile();
        state = State.CLOSED_FOR_CHECKPOINT;
    }

    @Override
    public synchronized void afterRestore(Context<? extends Resource> context) throws IOException {
        if (state == State.CLOSED_FOR_CHECKPOINT) reopen();
    }

    private OutputStream target() throws IOException {
        switch (state) {
            case OPEN: return out;
            case CLOSED_FOR_CHECKPOINT: return System.err;
            default: throw new IOException("log file " + path + " is closed");
        }
    }

    private void closeFile() throws IOException {
        if (out == null) return;
        try {
            out.close();
        } finally {
            out = null;
        }
    }
}
