package dev.thaw.lifecycle.runtime;

import dev.thaw.lifecycle.control.Message;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads one control message from file descriptor 0. A leader blocks here through the dump; each
 * restored worker returns from the same read on its own stdin pipe (CRIU's --inherit-fd swaps the
 * pipe), so this reads fd 0 directly, byte by byte, and never buffers past the line: nothing meant
 * for a later reader is consumed, and no buffered byte of the leader's ends up in every worker.
 */
final class StdinMessages {
    private StdinMessages() {
    }

    static Message read() throws IOException {
        @SuppressWarnings("resource") // closing it would close fd 0
        InputStream in = new FileInputStream(FileDescriptor.in);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("stdin closed before the orchestrator sent an identity");
            }
            if (b == '\n') {
                if (line.size() == 0) {
                    continue;
                }
                return Message.decode(line.toString(StandardCharsets.UTF_8));
            }
            if (line.size() >= Message.MAX_LINE) {
                throw new IOException("stdin line longer than " + Message.MAX_LINE + " bytes");
            }
            line.write(b);
        }
    }
}
