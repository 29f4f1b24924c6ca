package dev.thaw.image;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * fsync for images. CRIU writes an image's files without syncing them, and a rename is durable only
 * once its directory is synced: without both, a power loss after a checkpoint could leave a manifest
 * naming page files that hold zeros, or no image at all where the old one was.
 */
final class Durable {
    private Durable() {
    }

    /** Syncs every file and directory under {@code root}, files first, so that the tree is complete on disk. */
    static void syncTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    sync(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                sync(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Syncs a directory's entries: the renames and creations in it. */
    static void syncDirectory(Path dir) throws IOException {
        sync(dir);
    }

    private static void sync(Path p) throws IOException {
        // Opening for reading is enough for fsync on Linux, and works on the image's read-only (0400) files.
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
            c.force(true);
        }
    }
}
