package dev.thaw.image;

import dev.thaw.FileTrees;
import dev.thaw.ThawException;
import dev.thaw.host.HostProcess;
import dev.thaw.host.Native;
import dev.thaw.leader.JdkInfo;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An image directory, written atomically: CRIU dumps into a sibling staging directory, the manifest
 * is written last, and only then does the staging directory take the target's name (an atomic
 * exchange when an old image is replaced). A failed or interrupted checkpoint leaves the old image
 * exactly as it was.
 */
public final class ImageDirectory {
    private final Path target;

    public ImageDirectory(Path target) {
        this.target = target.toAbsolutePath().normalize();
    }

    public Path target() {
        return target;
    }

    private static final String STAGING = ".staging-";
    private static final String OLD = ".old-";

    /**
     * Removes what a thaw killed mid-way left next to the image: staging directories of checkpoints and
     * reforks whose process is gone (named by PID and start time), and an old image kept aside during a
     * commit that did not finish. If that commit died between its two renames (no image in place), the
     * old image, the last good one, goes back into place instead.
     */
    public void removeLeftovers() throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        String staging = "." + target.getFileName() + STAGING;
        String old = "." + target.getFileName() + OLD;
        List<Path> candidates;
        try (Stream<Path> siblings = Files.list(parent)) {
            candidates = siblings.filter(p -> p.getFileName().toString().startsWith(staging)
                    || p.getFileName().toString().startsWith(old)).filter(ImageDirectory::madeByThaw).toList();
        }
        if (candidates.isEmpty()) {
            return; // nothing to do, and no lock file made next to an image that may never be written
        }
        try (Lock ignored = lock()) {
            for (Path p : candidates) {
                String name = p.getFileName().toString();
                if (name.startsWith(staging)) {
                    String owner = name.substring(staging.length());
                    int dash = owner.lastIndexOf('-');
                    if (dash > 0 && !HostProcess.ownerAlive(owner.substring(0, dash))) {
                        deleteRecursively(p);
                    }
                } else if (name.startsWith(old) && Files.isRegularFile(target.resolve(ImageManifest.FILE_NAME))) {
                    deleteRecursively(p);
                } else if (name.startsWith(old) && !Files.exists(target) && Files.isRegularFile(p.resolve(ImageManifest.FILE_NAME))) {
                    Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
                    Durable.syncDirectory(parent);
                }
            }
        }
    }

    /**
     * Whether {@code p}, a leftover by its name, is a real directory of thaw's own user. In a sticky
     * directory (an emptyDir, /tmp) another user could plant a ".NAME.old-x" or a symlink for root to
     * delete recursively; only what thaw itself made is removed.
     */
    static boolean madeByThaw(Path p) {
        try {
            return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                    && (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)
                    == HostProcess.selfUid();
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Runs {@code action} holding the directory's lock: a commit in progress in another thread finishes
     * first. For the shutdown hook of an interrupted checkpoint, which must not delete a staging
     * directory in the middle of its swap.
     */
    public void whileLocked(Runnable action) throws IOException {
        try (Lock ignored = lock()) {
            action.run();
        }
    }

    /**
     * Before a checkpoint writes here: a parent open to other users but owned by thaw's gets the sticky
     * bit (see {@link ImagePrivacy#protectParent}), so that the image can be restored. Says what it did.
     */
    public java.util.Optional<String> protectParent() {
        return ImagePrivacy.protectParent(target.toAbsolutePath().getParent());
    }

    /** Refuses to overwrite an existing image unless forced; checked before any work starts. */
    public void checkWritable(boolean force) {
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new ThawException(ThawException.EXIT_USAGE, "parent directory of " + target + " does not exist: create it first");
        }
        if (!Files.isWritable(parent)) {
            throw new ThawException(ThawException.EXIT_USAGE, "cannot write in " + parent + ": choose another --image or fix its permissions");
        }
        if (Files.exists(target) && !force) {
            throw new ThawException(ThawException.EXIT_USAGE, target + " already exists: pass --force to replace it (the old image stays intact until the new one is complete)");
        }
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw new ThawException(ThawException.EXIT_USAGE, target + " exists and is not a directory: choose another --image");
        }
        if (Files.isDirectory(target) && !Files.isRegularFile(target.resolve(ImageManifest.FILE_NAME)) && !isEmpty(target)) {
            // --force replaces images, never whatever directory a typo names (it is deleted as root).
            throw new ThawException(ThawException.EXIT_USAGE, target + " is not a thaw image (no " + ImageManifest.FILE_NAME
                    + "): --force replaces only images; choose another --image or remove it yourself");
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** A fresh staging directory next to the target (same file system, so the final rename is atomic). */
    public Path createStaging() throws IOException {
        Path staging = target.resolveSibling("." + target.getFileName() + STAGING + HostProcess.selfTag() + "-"
                + UUID.randomUUID().toString().substring(0, 8));
        // 0700 from the first byte: CRIU writes the heap into it, and files made inside a directory others cannot
        // enter stay private whatever their own mode, until seal() closes them too.
        Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createDirectory(staging.resolve(ImageManifest.CRIU_DIR),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return staging;
    }

    /** Digests of everything CRIU wrote, for the manifest. */
    public static List<FileDigest> digestCriuFiles(Path staging) throws IOException {
        Path criuDir = staging.resolve(ImageManifest.CRIU_DIR);
        List<FileDigest> digests = new ArrayList<>();
        try (Stream<Path> files = Files.list(criuDir)) {
            for (Path f : files.sorted().toList()) {
                if (Files.isRegularFile(f)) {
                    digests.add(FileDigest.of(f, ImageManifest.CRIU_DIR + "/" + f.getFileName()));
                }
            }
        }
        return digests;
    }

    /** Moves a complete staging directory (manifest written) into place. */
    public void commit(Path staging) throws IOException {
        try (Lock ignored = lock()) {
            swapIn(staging);
        }
    }

    /**
     * Commits {@code staging} only if the directory still holds {@code expected}: a refork, which
     * takes seconds, must not replace an image that a 'thaw checkpoint --force' or USR2 wrote
     * meanwhile with one made from the older generation.
     *
     * @throws ThawException when the directory holds another image now (the staging is left to the caller)
     */
    public void commitIfStill(Path staging, ImageManifest expected) throws IOException {
        try (Lock ignored = lock()) {
            ImageManifest.Identity now;
            try {
                now = ImageManifest.identify(target);
            } catch (RuntimeException unreadable) {
                throw new ThawException("the image directory " + target + " no longer holds generation " + expected.generation()
                        + " (" + unreadable.getMessage() + "): the new image is dropped");
            }
            if (!now.is(expected)) {
                throw new ThawException("the image directory " + target + " now holds generation " + now.generation() + " made "
                        + now.createdAt() + ", not the generation " + expected.generation() + " this image was made from: the newer"
                        + " image is kept and this one is dropped");
            }
            swapIn(staging);
        }
    }

    private void swapIn(Path staging) throws IOException {
        if (!Files.isRegularFile(staging.resolve(ImageManifest.FILE_NAME))) {
            throw new IllegalStateException("commit before the manifest was written");
        }
        seal(staging);
        Durable.syncTree(staging); // on disk before the rename makes it the image: a crash never leaves a torn one in place
        Path parent = target.toAbsolutePath().getParent();
        if (!Files.exists(target)) {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            Durable.syncDirectory(parent);
            return;
        }
        if (Native.exchange(staging, target)) {
            Durable.syncDirectory(parent);
            deleteRecursively(staging); // now holds the old image
            return;
        }
        // No RENAME_EXCHANGE here: two renames, the old image kept aside until the new one is in place.
        // Should thaw die between them, the next start puts the old one back (removeLeftovers).
        Path old = target.resolveSibling("." + target.getFileName() + OLD + UUID.randomUUID().toString().substring(0, 8));
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        Durable.syncDirectory(parent);
        deleteRecursively(old);
    }

    /** The directory's lock: one commit at a time, across thaw processes (checkpoint, USR2, refork). */
    private Lock lock() throws IOException {
        Path file = target.resolveSibling("." + target.getFileName() + ".lock");
        LOCAL.lock(); // a JVM may hold a file lock only once; its own threads queue here
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock held = channel.lock();
            return () -> {
                try {
                    held.release();
                    channel.close();
                } finally {
                    LOCAL.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            LOCAL.unlock();
            throw e;
        }
    }

    private static final java.util.concurrent.locks.ReentrantLock LOCAL = new java.util.concurrent.locks.ReentrantLock();

    private interface Lock extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /**
     * Makes a finished image private and read-only: directories 0700, files 0400. The image holds the
     * whole heap (passwords, keys, tokens), and mapped workers (--restore-mode map) see any in-place
     * write or truncation of its page files in pages they have not written yet: an image is never
     * modified once written, only replaced by rename.
     */
    static void seal(Path image) throws IOException {
        Files.walkFileTree(image, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    public void verifyExists() {
        if (!Files.isDirectory(target)) {
            throw ThawException.badImage("image " + target + " does not exist: make one with 'thaw checkpoint --image " + target + " -- <java command>'");
        }
    }

    /**
     * Refuses an image that other users could read or change (see {@link ImagePrivacy}): before thaw
     * restores it (run, HUP, USR2's switch) or shows it (inspect).
     */
    public void requirePrivate() {
        verifyExists();
        ImagePrivacy.require(target);
    }

    /**
     * Reads and verifies an image for restore: the manifest's seal, then every file's size and SHA-256 and
     * that no file was added, the JDK, the app's files, the CPU and the kernel. Hashes the whole image (0.3-0.5 s for
     * 400 MiB with libcrypto, see {@link Sha256}): a pool does it once per image, when it pins it, never per
     * restore.
     */
    public ImageManifest verify() {
        ImageManifest manifest = verifyFiles(true);
        requireRunnableHere(manifest);
        return manifest;
    }

    /**
     * {@link #verify} for an image whose every file's SHA-256 was checked as it was written into this (private, new)
     * directory, and whose manifest was found runnable here before that ({@link ImageArchive#unpack}): every listed
     * file there with its size, nothing added, without reading the image again.
     */
    public ImageManifest verifyHashedWhenWritten() {
        return verifyFiles(false);
    }

    private ImageManifest verifyFiles(boolean hash) {
        verifyExists();
        ImageManifest manifest = ImageManifest.read(target);
        for (FileDigest f : manifest.imageFiles()) {
            Path file = target.resolve(f.path()).normalize();
            if (!file.startsWith(target) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw ThawException.badImage("image " + target + " is incomplete: " + f.path() + " is missing; make the image again with 'thaw checkpoint --force'");
            }
            mismatch(f, file, hash).ifPresent(problem -> {
                throw ThawException.badImage("image " + target + " is corrupt: " + f.path() + " " + problem
                        + "; make the image again with 'thaw checkpoint --force'");
            });
        }
        requireNothingAdded(manifest);
        return manifest;
    }

    /**
     * What this host must have for the image to run, whatever its files hold: the same JDK build, the app's files
     * unchanged, the CPU features the JIT used, and a kernel no older than the one the leader started on. Also how
     * 'thaw fetch' chooses among archives from elsewhere.
     */
    public static void requireRunnableHere(ImageManifest manifest) {
        verifyJdk(manifest);
        verifyAppFiles(manifest);
        HostFingerprint here = HostFingerprint.current();
        verifyCpu(manifest, here);
        verifyKernel(manifest, here);
    }

    /** What is wrong with {@code file} against its recorded digest, if anything. */
    private static java.util.Optional<String> mismatch(FileDigest recorded, Path file, boolean hash) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            return java.util.Optional.of("cannot be read (" + e.getMessage() + ")");
        }
        if (size != recorded.size()) {
            return java.util.Optional.of("is " + size + " bytes where the checkpoint wrote " + recorded.size()
                    + (size < recorded.size() ? " (truncated)" : " (changed)"));
        }
        if (hash && !recorded.matches(file)) {
            return java.util.Optional.of("does not match its SHA-256 (changed after the checkpoint)");
        }
        return java.util.Optional.empty();
    }

    /** A file CRIU would read that the manifest does not list (a planted one) is refused like a changed one. */
    private void requireNothingAdded(ImageManifest manifest) {
        java.util.Set<Path> listed = new java.util.HashSet<>();
        listed.add(target.resolve(ImageManifest.FILE_NAME));
        manifest.imageFiles().forEach(f -> listed.add(target.resolve(f.path()).normalize()));
        try (Stream<Path> all = Files.walk(target)) {
            all.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).filter(p -> !listed.contains(p)).findFirst()
                    .ifPresent(extra -> {
                        throw ThawException.badImage("image " + target + " holds " + target.relativize(extra) + ", which its manifest"
                                + " does not list (added after the checkpoint): make the image again with 'thaw checkpoint --force'");
                    });
        } catch (IOException e) {
            throw ThawException.badImage("cannot list image " + target + " (" + e.getMessage() + "): check its permissions");
        }
    }

    /** An image made on a CPU with features this one lacks would die with SIGILL in compiled code: refused here instead. */
    static void verifyCpu(ImageManifest manifest, HostFingerprint here) {
        if (manifest.host() == null) {
            return; // made by a thaw that did not record it
        }
        java.util.Set<String> missing = manifest.host().flagsMissingOn(here);
        if (!missing.isEmpty()) {
            throw ThawException.badImage("the image was made on a CPU with features this one lacks (" + String.join(", ", missing)
                    + "): the JVM compiled code that uses them and would die with SIGILL here; make the image on this kind of"
                    + " host with 'thaw checkpoint --force'");
        }
    }

    /**
     * An image made on a newer kernel than this one is refused: the JVM and glibc chose, when the leader started,
     * system calls and flags of that kernel (see {@link HostFingerprint}), which a worker restored here could call
     * without them being there. The same or a newer kernel runs it.
     */
    static void verifyKernel(ImageManifest manifest, HostFingerprint here) {
        if (manifest.host() == null) {
            return; // made by a thaw that did not record it
        }
        manifest.host().kernelNewerThan(here).ifPresent(made -> {
            throw ThawException.badImage("the image was made on Linux " + made + " (" + manifest.host().kernel() + ") but this host runs "
                    + here.kernel() + ": the JVM and glibc chose that kernel's features (rseq, clone3, madvise flags...) when the"
                    + " leader started and would call them here; restore it on a host with Linux " + made + " or newer, or make the"
                    + " image on this kind of host with 'thaw checkpoint --force'");
        });
    }

    private static void verifyJdk(ImageManifest manifest) {
        JdkInfo recorded = manifest.jdk();
        JdkInfo now;
        try {
            now = JdkInfo.of(Path.of(recorded.home()));
        } catch (ThawException e) {
            throw ThawException.badImage("the image was made with " + recorded.describe() + ", which is gone: install that JDK or make the image again with 'thaw checkpoint --force'");
        }
        if (!now.version().equals(recorded.version()) || !now.libjvm().sha256().equals(recorded.libjvm().sha256())) {
            throw ThawException.badImage("the image was made with " + recorded.describe() + " but " + recorded.home()
                    + " now holds " + now.version() + " (different libjvm.so): make the image again with 'thaw checkpoint --force'");
        }
    }

    private static void verifyAppFiles(ImageManifest manifest) {
        for (FileDigest f : manifest.appFiles()) {
            if (!f.matches(Path.of(f.path()))) {
                String what = Path.of(f.path()).getFileName().toString().equals("thaw-agent.jar") ? "thaw's agent jar " : "app file ";
                throw ThawException.badImage(what + f.path() + " changed or vanished since the checkpoint (thaw or the app was rebuilt):"
                        + " make the image again with 'thaw checkpoint --force'");
            }
        }
    }

    public static long sizeOf(List<FileDigest> files) {
        return files.stream().mapToLong(FileDigest::size).sum();
    }

    /** {@link FileTrees#delete}: images, staging directories and work directories alike. */
    public static void deleteRecursively(Path dir) throws IOException {
        FileTrees.delete(dir);
    }
}
