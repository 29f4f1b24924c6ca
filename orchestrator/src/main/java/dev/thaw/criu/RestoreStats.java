package dev.thaw.criu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * CRIU's own account of a restore, from the {@code stats-restore} file it writes into its work
 * directory: how long restoring the process tree and its memory took, and how many pages it copied.
 * With the worker's afterRestore time, this splits a worker's time to ready into CRIU's part, the
 * app's part and the rest (starting unshare and criu, reading the image's metadata, connecting).
 *
 * <p>The file is a CRIU image: two magic numbers, then one entry, a 32-bit length and a protobuf
 * {@code stats_entry} whose field 2 is a {@code restore_stats_entry} (criu/images/stats.proto:
 * pages_compared = 1, pages_skipped_cow = 2, forking_time = 3, restore_time = 4 in microseconds,
 * pages_restored = 5, and thaw's patch's pages_mapped = 6: of pages_restored, those mapped from the image
 * instead of copied, see criu/README.md). Read by hand: a few varints do not justify a protobuf runtime.
 */
public record RestoreStats(long restoreMicros, long pagesRestored, long pagesMapped) {
    public static final String FILE_NAME = "stats-restore";
    private static final int PAGE_SIZE = 4096;

    /** The stats CRIU left in {@code workDir}; empty when there are none or they cannot be read. */
    public static Optional<RestoreStats> read(Path workDir) {
        try {
            byte[] bytes = Files.readAllBytes(workDir.resolve(FILE_NAME));
            return Optional.of(parse(bytes));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static RestoreStats parse(byte[] file) {
        if (!(CriuImageFile.fields(CriuImageFile.entries(file).getFirst()).get(2) instanceof ByteBuffer restore)) {
            throw new IllegalArgumentException("no restore entry");
        }
        Map<Integer, Object> f = CriuImageFile.fields(restore);
        return new RestoreStats(varint(f, 4), varint(f, 5), varint(f, 6));
    }

    private static long varint(Map<Integer, Object> fields, int number) {
        return fields.get(number) instanceof Long value ? value : 0;
    }

    public long restoreMillis() {
        return restoreMicros / 1000;
    }

    public long bytesRestored() {
        return pagesRestored * PAGE_SIZE;
    }

    /** Memory mapped copy-on-write from the image (--restore-mode map): shared until written. */
    public long bytesMapped() {
        return pagesMapped * PAGE_SIZE;
    }

    /** Memory copied from the image into the worker's own pages. */
    public long bytesCopied() {
        return (pagesRestored - pagesMapped) * PAGE_SIZE;
    }
}
