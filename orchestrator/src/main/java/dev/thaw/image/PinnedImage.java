package dev.thaw.image;

import dev.thaw.ThawException;
import dev.thaw.host.HostProcess;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * A private, read-only view of an image for one 'thaw run': hard links to the image's files in a
 * sibling directory. A new 'thaw checkpoint --force' (or USR2) swaps the image directory under
 * the run's feet; the pin keeps the files the run restores from (and the manifest they match) until
 * the run lets go of them, so a crash restart during a new checkpoint still restores the image it
 * was serving. Hard links cost no copy: image files are never modified once written.
 */
public final class PinnedImage implements AutoCloseable {
    private static final String MARK = ".pin-";

    private final Path dir;
    private final ImageManifest manifest;
    /** The image directory the pin was taken of, for the messages. */
    private final Path source;

    private PinnedImage(Path dir, ImageManifest manifest, Path source) {
        this.dir = dir;
        this.manifest = manifest;
        this.source = source;
    }

    /**
     * Pins the image now in {@code image} and verifies the pinned files (seal, SHA-256s, JDK, jars). A
     * swap in the middle of linking shows up as a mismatch; the pin is then taken again.
     */
    public static PinnedImage pin(ImageDirectory image) throws IOException {
        image.requirePrivate();
        String problem = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            ImageManifest.Identity before = identityOrNull(image.target());
            Path dir = linkAll(image.target());
            try {
                return new PinnedImage(dir, new ImageDirectory(dir).verify(), image.target());
            } catch (ThawException e) {
                ImageDirectory.deleteRecursively(dir);
                // Name the image the user gave, not the pin.
                problem = e.getMessage().replace(dir.toString(), image.target().toString());
            }
            if (java.util.Objects.equals(before, identityOrNull(image.target()))) {
                break; // no swap under way: the image itself is bad, and hashing it again would say the same
            }
        }
        throw ThawException.badImage(problem);
    }

    private static ImageManifest.Identity identityOrNull(Path target) {
        try {
            return ImageManifest.identify(target);
        } catch (RuntimeException unreadable) {
            return null;
        }
    }

    /** Pins left behind by runs that are gone (killed with -9, a crashed node) are removed. */
    public static void removeStale(ImageDirectory image) throws IOException {
        Path parent = image.target().getParent();
        String prefix = "." + image.target().getFileName() + MARK;
        try (Stream<Path> siblings = Files.list(parent)) {
            for (Path p : siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).filter(ImageDirectory::madeByThaw).toList()) {
                String suffix = p.getFileName().toString().substring(prefix.length());
                int dash = suffix.lastIndexOf('-');
                if (dash > 0 && !HostProcess.ownerAlive(suffix.substring(0, dash))) {
                    ImageDirectory.deleteRecursively(p);
                }
            }
        }
    }

    public Path dir() {
        return dir;
    }

    public ImageManifest manifest() {
        return manifest;
    }

    /**
     * The pinned manifest read again, its seal checked, and the same as the one verified at the pin: the
     * pin's files are hard links, so a write into the image's manifest in place shows here too. A few
     * milliseconds: the files it lists are not hashed again.
     *
     * @throws ThawException (bad image) when it was changed since
     */
    public ImageManifest reread() {
        ImageManifest now;
        try {
            now = ImageManifest.read(dir);
        } catch (ThawException e) {
            throw ThawException.badImage(e.getMessage().replace(dir.toString(), source.toString()));
        }
        if (!now.equals(manifest)) {
            throw ThawException.badImage(source.resolve(ImageManifest.FILE_NAME) + " was replaced by another sealed manifest since thaw"
                    + " verified it: nothing in it is used; make the image again with 'thaw checkpoint --force' and send HUP");
        }
        return now;
    }

    @Override
    public void close() throws IOException {
        ImageDirectory.deleteRecursively(dir);
    }

    private static Path linkAll(Path target) throws IOException {
        Path parent = target.getParent();
        // The owner is named by PID and start time: under tini, thaw has the same PID after every
        // container restart, and a pin named by PID alone would never be seen as stale.
        String base = "." + target.getFileName() + MARK + HostProcess.selfTag() + "-";
        for (int n = 1; ; n++) {
            Path dir = parent.resolve(base + n);
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException taken) {
                continue;
            } catch (IOException e) {
                throw ThawException.environment("cannot pin the image in " + parent + " (" + e.getMessage()
                        + "): thaw run needs write access to the directory that holds the image");
            }
            try (Stream<Path> files = Files.walk(target)) {
                for (Path f : files.toList()) {
                    Path copy = dir.resolve(target.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(copy);
                    } else {
                        link(f, copy);
                    }
                }
            } catch (IOException | RuntimeException e) {
                ImageDirectory.deleteRecursively(dir);
                throw e;
            }
            return dir;
        }
    }

    /** A hard link where the file system allows it, else a copy. */
    private static void link(Path file, Path copy) throws IOException {
        try {
            Files.createLink(copy, file);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }
}
