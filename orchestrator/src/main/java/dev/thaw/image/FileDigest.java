package dev.thaw.image;

import dev.thaw.ThawException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * Size and CRC32C of a file. CRC32C, not a cryptographic hash: it guards against truncation,
 * corruption and swapped files, not against an attacker, and it runs at memory speed (the JDK
 * intrinsic), so verifying a 300 MB image before each run costs a fraction of a second.
 */
public record FileDigest(String path, long size, String crc32c) {

    public static FileDigest of(Path file, String recordedPath) {
        CRC32C crc = new CRC32C();
        long size = 0;
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                crc.update(buffer, 0, n);
                size += n;
            }
        } catch (IOException e) {
            throw new ThawException("cannot read " + file + ": " + e.getMessage());
        }
        return new FileDigest(recordedPath, size, HexFormat.of().toHexDigits((int) crc.getValue()));
    }

    /** True when {@code file} still has this size and checksum; the size is checked first, cheaply. */
    public boolean matches(Path file) {
        try {
            return Files.size(file) == size && of(file, path).crc32c.equals(crc32c);
        } catch (IOException e) {
            return false;
        }
    }
}
