package dev.thaw.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A restored worker's output (its GC log, the app's own lines) kept in the work directory, as a cold JVM's is, so that
 * --keep-work leaves every measured JVM's log to read. Lines arrive from the worker's reader thread; a line that cannot be
 * written is dropped rather than stall that thread (and with it the worker, once its pipe is full).
 */
final class OutputLog implements AutoCloseable {
    private final BufferedWriter out;

    OutputLog(Path file) throws IOException {
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    synchronized void append(String line) {
        try {
            out.write(line);
            out.newLine();
            out.flush();
        } catch (IOException e) {
            // closed (the worker was killed) or the disk is full: the measurement does not depend on it
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            // nothing left to keep
        }
    }
}
