package dev.thaw.image;

import dev.thaw.ThawException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Size and SHA-256 of a file. A cryptographic digest, not a checksum: with the manifest's seal over
 * these digests ({@link ManifestSeal}), a file cannot be changed so that it still matches, by accident
 * or on purpose. What it costs, and why it is computed by libcrypto when the host has it: {@link Sha256}.
 */
public record FileDigest(String path, long size, String sha256) {

    public static FileDigest of(Path file, String recordedPath) {
        try {
            Sha256.Result r = Sha256.of(file);
            return new FileDigest(recordedPath, r.size(), r.hex());
        } catch (IOException e) {
            throw new ThawException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** True when {@code file} still has this size and digest; the size is checked first, cheaply. */
    public boolean matches(Path file) {
        try {
            return Files.size(file) == size && Sha256.of(file).hex().equals(sha256);
        } catch (IOException e) {
            return false;
        }
    }
}
