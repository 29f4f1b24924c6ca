package dev.thaw.host;

import dev.thaw.Bytes;
import dev.thaw.ThawException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Refuses a dump that cannot fit. CRIU writes the process's anonymous memory (RssAnon: heap, code
 * cache, metaspace, malloc arenas), so that is the estimate; file-backed pages (the JDK, the jars)
 * are not copied. A dump that fails anyway still fails cleanly: the staging directory is removed.
 */
public final class DiskSpace {
    private DiskSpace() {
    }

    public static void requireRoomFor(long pid, Path dir) throws IOException {
        long needed = anonymousRss(pid);
        long usable = Files.getFileStore(dir).getUsableSpace();
        if (needed > usable) {
            throw new ThawException("not enough disk space for the image in " + dir + ": the process holds ~"
                    + Bytes.human(needed) + " of memory to dump, " + Bytes.human(usable)
                    + " is free: free some space or choose another --image");
        }
    }

    static long anonymousRss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("RssAnon:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }
}
