package dev.thaw.image;

import dev.thaw.ThawException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * An image as one file that travels: a tar archive named by the SHA-256 of its manifest
 * ({@code thaw-image-<sha256>.tar}). The manifest lists every file of the image with its SHA-256 and is
 * sealed, so that one digest names the whole image: made once, on one host, it can be published to a
 * store (a directory or volume shared by pods, an HTTP server) and restored on every host that can run it.
 *
 * <p>The archive's layout is fixed, so that unpacking an archive from elsewhere never writes anything but an
 * image: {@code manifest.json} first, then exactly the files it lists, each a regular file of its listed
 * size, in its listed place. Anything else (a link, a device, a path out of the image, a file listed twice or
 * not at all, a size that differs) stops the unpacking with one line; what was written goes with the
 * staging directory. Each file's SHA-256 is checked as it is written, and what the host must have (the JDK, the
 * app's files, the CPU, the kernel) before the first of them is.
 */
public final class ImageArchive {
    public static final String PREFIX = "thaw-image-";
    public static final String SUFFIX = ".tar";
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "([0-9a-f]{64})" + Pattern.quote(SUFFIX));
    /** A manifest is a few KiB; this bounds what is read before anything is known about the archive. */
    static final long MAX_MANIFEST_BYTES = 16L << 20;
    /** Fixed metadata, so that one image always packs to the same bytes (and the same digest-named file). */
    private static final int FILE_MODE = 0400;

    private ImageArchive() {
    }

    /** The archive's file name for the image whose manifest has this SHA-256. */
    public static String fileName(String manifestSha256) {
        return PREFIX + manifestSha256 + SUFFIX;
    }

    /** The manifest's SHA-256 that an archive's name carries, if it is named like one. */
    public static java.util.Optional<String> digestInName(String fileName) {
        var m = NAME.matcher(fileName);
        return m.matches() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
    }

    /** SHA-256 of an image's manifest file as written: the image's name. */
    public static String manifestDigest(Path imageDir) throws IOException {
        return Sha256.of(imageDir.resolve(ImageManifest.FILE_NAME)).hex();
    }

    /**
     * Packs the image in {@code imageDir} (already verified by the caller) into {@code store}, written under a
     * temporary name, synced, then renamed: a reader of the store never sees half an archive.
     *
     * @return the archive, {@code store/thaw-image-<sha256 of the manifest>.tar}
     */
    public static Path pack(Path imageDir, ImageManifest manifest, Path store) throws IOException {
        Path archive = store.resolve(fileName(manifestDigest(imageDir)));
        Path tmp = store.resolve("." + archive.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))); // the heap: private from the first byte
                 OutputStream out = java.nio.channels.Channels.newOutputStream(channel);
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(new java.io.BufferedOutputStream(out, 1 << 20))) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                add(tar, imageDir.resolve(ImageManifest.FILE_NAME), ImageManifest.FILE_NAME);
                for (FileDigest f : manifest.imageFiles()) {
                    add(tar, imageDir.resolve(f.path()), f.path());
                }
                tar.finish();
                tar.flush();
                channel.force(true);
            }
            Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Durable.syncDirectory(store);
            return archive;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void add(TarArchiveOutputStream tar, Path file, String name) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(Files.size(file));
        entry.setMode(FILE_MODE);
        entry.setModTime(0);
        entry.setUserId(0);
        entry.setGroupId(0);
        tar.putArchiveEntry(entry);
        Files.copy(file, tar);
        tar.closeArchiveEntry();
    }

    /** Checks a manifest before any other file of its archive is written (what 'thaw fetch' asks of this host). */
    @FunctionalInterface
    public interface ManifestCheck {
        void check(ImageManifest manifest);
    }

    /**
     * Unpacks an archive into {@code staging} (an empty, private directory made by {@link ImageDirectory#createStaging}),
     * in one pass: every file's bytes are hashed on their way to the file, and a file whose size or SHA-256 is not the
     * one its sealed manifest lists stops the unpacking there. So when this returns, {@code staging} holds exactly the
     * manifest's files, each with its digest ({@link ImageDirectory#verifyHashedWhenWritten} checks the rest).
     *
     * @param expectedManifestSha256 the digest the archive's name promised (null: none): a manifest that does not
     *                               have it is refused before any other file is written
     * @param source                 names the archive in messages
     * @param beforeFiles            run on the manifest (seal checked) before any other file is written: an image this
     *                               host cannot run is refused without unpacking it
     * @return the manifest, read and its seal checked
     */
    public static ImageManifest unpack(InputStream in, Path staging, String expectedManifestSha256, String source,
                                       ManifestCheck beforeFiles) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in); Sha256.Streaming sha = new Sha256.Streaming()) {
            byte[] chunk = new byte[sha.buffer().capacity()];
            ImageManifest manifest = manifest(tar, staging, expectedManifestSha256, source, sha, chunk);
            beforeFiles.check(manifest);
            Map<String, FileDigest> expected = new HashMap<>();
            manifest.imageFiles().forEach(f -> expected.put(f.path(), f));
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                FileDigest listed = expected.remove(e.getName());
                if (listed == null) {
                    throw refused(source, "it holds " + e.getName() + ", which its manifest does not list (or lists once)");
                }
                if (!e.isFile() || e.getSize() != listed.size()) {
                    throw refused(source, e.getName() + " is " + (e.isFile() ? e.getSize() + " bytes, not the " + listed.size()
                            + " its manifest lists" : "not a regular file"));
                }
                Sha256.Result written = write(tar, inside(staging, e.getName(), source), listed.size(), source, sha, chunk);
                if (!written.hex().equals(listed.sha256())) {
                    throw refused(source, e.getName() + " does not match its SHA-256 in the sealed manifest (changed or damaged"
                            + " since it was packed)");
                }
            }
            if (!expected.isEmpty()) {
                throw refused(source, "it lacks " + expected.keySet().iterator().next() + " (truncated?)");
            }
            return manifest;
        }
    }

    /** Only the manifest, the archive's first entry, into {@code dir}: to choose among archives without unpacking them. */
    public static ImageManifest readManifest(InputStream in, Path dir, String expectedManifestSha256, String source) throws IOException {
        try (Sha256.Streaming sha = new Sha256.Streaming()) {
            return manifest(new TarArchiveInputStream(in), dir, expectedManifestSha256, source, sha, new byte[sha.buffer().capacity()]);
        }
    }

    private static ImageManifest manifest(TarArchiveInputStream tar, Path dir, String expectedManifestSha256, String source,
                                          Sha256.Streaming sha, byte[] chunk) throws IOException {
        TarArchiveEntry first = tar.getNextEntry();
        if (first == null || !first.getName().equals(ImageManifest.FILE_NAME) || !first.isFile()
                || first.getSize() > MAX_MANIFEST_BYTES) {
            throw refused(source, "it does not begin with the image's " + ImageManifest.FILE_NAME);
        }
        Path manifestFile = dir.resolve(ImageManifest.FILE_NAME);
        String digest = write(tar, manifestFile, first.getSize(), source, sha, chunk).hex();
        if (expectedManifestSha256 != null && !expectedManifestSha256.equals(digest)) {
            throw refused(source, "its manifest's SHA-256 is " + digest + ", not the " + expectedManifestSha256 + " its name promises");
        }
        return ImageManifest.read(dir);
    }

    /** {@code name} resolved in {@code staging}, its directories made (0700); a name that leaves the image is refused. */
    private static Path inside(Path staging, String name, String source) throws IOException {
        Path file = staging.resolve(name).normalize();
        if (name.startsWith("/") || !file.startsWith(staging) || file.equals(staging)) {
            throw refused(source, "its entry " + name + " points outside the image");
        }
        for (Path dir = file.getParent(); !dir.equals(staging); dir = dir.getParent()) {
            if (Files.isSymbolicLink(dir)) {
                throw refused(source, "its entry " + name + " goes through a link");
            }
        }
        Path parent = file.getParent();
        if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return file;
    }

    /**
     * Every this many bytes of a file, its disk writes so far are started in the background ({@link Writeback}): the
     * disk works while the unpacking goes on, and the sync at the end ({@link ImageDirectory#commit}) finds little left.
     */
    private static final long WRITEBACK_EVERY = 16L << 20;

    /** Copies exactly {@code size} bytes of the current entry into a new private file, hashing them on the way. */
    private static Sha256.Result write(InputStream entry, Path file, long size, String source, Sha256.Streaming sha, byte[] chunk)
            throws IOException {
        sha.begin();
        ByteBuffer buffer = sha.buffer();
        try (FileChannel out = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
             Writeback writeback = new Writeback(out)) {
            long copied = 0;
            long started = 0;
            while (copied < size) {
                int n = entry.read(chunk, 0, (int) Math.min(chunk.length, size - copied));
                if (n < 0) {
                    throw refused(source, file.getFileName() + " ends after " + copied + " of its " + size + " bytes (truncated)");
                }
                buffer.clear().put(chunk, 0, n).flip();
                sha.update(n);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                copied += n;
                if (copied - started >= WRITEBACK_EVERY && writeback.start()) {
                    started = copied;
                }
            }
        }
        return sha.finish();
    }

    /**
     * Writes a file's data to disk on another thread (fdatasync) while its writer goes on: at most one at a time, and
     * none left running once the file is closed. An error there is not lost: the sync at the commit meets it again.
     */
    private static final class Writeback implements AutoCloseable {
        private final FileChannel channel;
        private Thread running;

        Writeback(FileChannel channel) {
            this.channel = channel;
        }

        /** Starts one unless one still runs; true when it started. */
        boolean start() {
            if (running != null && running.isAlive()) {
                return false;
            }
            running = Thread.ofVirtual().name("thaw-writeback").start(() -> {
                try {
                    channel.force(false);
                } catch (IOException ignored) {
                    // the commit's fsync of the same file reports it
                }
            });
            return true;
        }

        @Override
        public void close() throws IOException {
            if (running != null) {
                try {
                    running.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while writing " + e.getMessage());
                }
            }
        }
    }

    private static ThawException refused(String source, String problem) {
        return ThawException.badImage(source + " is not an image archive thaw can unpack: " + problem
                + "; make it again with 'thaw pack' from a good image");
    }
}
