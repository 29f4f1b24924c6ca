package dev.thaw.lifecycle.uniqueness;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Fresh bytes from the kernel, read from {@code /dev/urandom} right after the restore. Not from any
 * JDK generator: each of those is part of the snapshot, and so is whatever it buffered.
 */
final class Entropy {
    private Entropy() {
    }

    static byte[] bytes(int n) {
        byte[] out = new byte[n];
        try (InputStream in = new FileInputStream("/dev/urandom")) {
            int read = 0;
            while (read < n) {
                int r = in.read(out, read, n - read);
                if (r < 0) {
                    throw new IOException("end of /dev/urandom");
                }
                read += r;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /dev/urandom: " + e.getMessage(), e);
        }
        return out;
    }

    static long nextLong() {
        return ByteBuffer.wrap(bytes(8)).getLong();
    }
}
