package dev.thaw.image;

import dev.thaw.ThawException;
import dev.thaw.host.HostProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * ssh's StrictModes for images. An image holds the app's whole heap (its passwords, keys and
 * tokens), and thaw, as root, restores whatever is in it: so before a restore or an inspection the
 * image and everything in it must belong to the user thaw runs as and be closed to group and
 * others, and no directory above it may let another user swap it (writable by group or others,
 * unless sticky like /tmp). Each refusal is one line naming the path and the fix.
 */
final class ImagePrivacy {
    private static final int GROUP_OR_OTHERS = 0077;
    private static final int GROUP_OR_OTHERS_WRITE = 0022;
    private static final int STICKY = 01000;

    private ImagePrivacy() {
    }

    static void require(Path image) {
        Path target = image.toAbsolutePath().normalize();
        int owner = HostProcess.selfUid();
        try (Stream<Path> all = Files.walk(target)) {
            all.forEach(p -> requirePrivate(target, p, owner));
        } catch (IOException e) {
            throw ThawException.badImage("cannot read image " + target + " (" + e.getMessage() + "): check its permissions");
        } catch (UncheckedIOException e) {
            throw ThawException.badImage("cannot read image " + target + " (" + e.getCause().getMessage() + "): check its permissions");
        }
        for (Path parent = target.getParent(); parent != null; parent = parent.getParent()) {
            requireNotSwappable(target, parent, owner);
        }
    }

    private static void requirePrivate(Path image, Path p, int owner) {
        int uid = attribute(p, "uid");
        if (uid != owner) {
            throw ThawException.badImage("image " + image + " is not safe to restore: " + p + " belongs to uid " + uid + ", not to uid "
                    + owner + " that runs thaw, so that user could change what thaw restores: chown -R " + owner + " " + image
                    + " (or make the image again with 'thaw checkpoint --force')");
        }
        int mode = attribute(p, "mode");
        if ((mode & GROUP_OR_OTHERS) != 0) {
            throw ThawException.badImage("image " + image + " is open to other users: " + p + " has mode " + octal(mode)
                    + ", and the image holds the app's whole heap (its secrets): chmod -R go-rwx " + image);
        }
    }

    private static void requireNotSwappable(Path image, Path dir, int owner) {
        int mode = attribute(dir, "mode");
        int uid = attribute(dir, "uid");
        if ((mode & GROUP_OR_OTHERS_WRITE) != 0 && (mode & STICKY) == 0) {
            throw ThawException.badImage("image " + image + " is not safe to restore: " + dir + " (mode " + octal(mode)
                    + ") lets other users replace what is in it: chmod go-w " + dir + ", or keep images in a directory only "
                    + (owner == 0 ? "root" : "you") + " can write");
        }
        if (uid != owner && uid != 0) {
            throw ThawException.badImage("image " + image + " is not safe to restore: " + dir + " belongs to uid " + uid
                    + ", who could replace what is in it: keep images in a directory owned by " + (owner == 0 ? "root" : "you"));
        }
    }

    /**
     * Before a checkpoint writes an image into {@code parent}: a directory writable by group or others
     * but owned by thaw's user (a Kubernetes emptyDir is 0777, owned by root) gets the sticky bit, as
     * /tmp has, so that only its owner can rename or delete what thaw puts there; then the image it
     * makes can be restored. Returns what it did, for the log.
     */
    static java.util.Optional<String> protectParent(Path parent) {
        Path dir = parent.toAbsolutePath().normalize();
        int mode = attribute(dir, "mode");
        if ((mode & GROUP_OR_OTHERS_WRITE) == 0 || (mode & STICKY) != 0 || attribute(dir, "uid") != HostProcess.selfUid()) {
            return java.util.Optional.empty();
        }
        try {
            Files.setAttribute(dir, "unix:mode", (mode & 07777) | STICKY);
        } catch (IOException e) {
            throw new ThawException(ThawException.EXIT_USAGE, dir + " (mode " + octal(mode) + ") lets other users replace the image"
                    + " and thaw cannot set its sticky bit (" + e.getMessage() + "): chmod +t " + dir);
        }
        return java.util.Optional.of("set the sticky bit on " + dir + " (mode " + octal(mode) + " -> " + octal(mode | STICKY)
                + "): other users can no longer replace the image in it");
    }

    private static int attribute(Path p, String name) {
        try {
            return (Integer) Files.getAttribute(p, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String octal(int mode) {
        return String.format("%04o", mode & 07777);
    }
}
