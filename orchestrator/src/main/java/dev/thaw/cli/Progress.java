package dev.thaw.cli;

import java.io.PrintWriter;

/** Prints progress lines of the engine: thaw's own prefixed {@code thaw: }, children's as they come. */
final class Progress {
    private Progress() {
    }

    static dev.thaw.leader.Progress printer(PrintWriter out) {
        return line -> {
            synchronized (out) {
                out.println(line.startsWith("leader | ") || line.startsWith("worker=") ? line : "thaw: " + line);
                out.flush();
            }
        };
    }
}
