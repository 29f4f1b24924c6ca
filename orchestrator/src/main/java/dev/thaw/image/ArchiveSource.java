package dev.thaw.image;

import dev.thaw.ThawException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Where {@code thaw fetch} takes an image archive ({@link ImageArchive}) from, and which one.
 *
 * <p>Trust: CRIU restores, as root, whatever process state an image describes, so an archive must come
 * from someone allowed to run code as root here. The manifest's seal proves an image intact, not who made
 * it. Hence: an archive from a URL is taken only by its digest ({@code thaw-image-<sha256>.tar} in the URL,
 * or {@code --sha256}), which whoever wrote the deployment pinned, as a container image is pinned by
 * {@code @sha256:}; a file or a store directory must pass the same ownership and mode checks as an image
 * directory ({@link ImagePrivacy}): thaw's user's alone, closed to group and others.
 *
 * @param location       what the user gave: a URL, a file or a directory
 * @param pinnedSha256   the manifest digest the user gave (--sha256), or null
 */
public record ArchiveSource(String location, String pinnedSha256) {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /**
     * One archive chosen from the source, with the digest its name or the user pinned (null: a file named otherwise).
     *
     * @param runnableHere the manifest that choosing it already found this host can run (from a store), or null: the
     *                     same manifest (same digest) need not be checked again, nor the JDK's libjvm.so hashed again
     */
    public record Chosen(String describe, String expectedSha256, Opener opener, ImageManifest runnableHere) {
        /** What this host must have for the image to run, unless choosing it already found so. */
        public void requireRunnableHere(ImageManifest manifest) {
            if (!manifest.equals(runnableHere)) {
                ImageDirectory.requireRunnableHere(manifest);
            }
        }
    }

    /** Opens the archive's bytes; called once. */
    @FunctionalInterface
    public interface Opener {
        InputStream open() throws IOException;
    }

    public ArchiveSource {
        if (pinnedSha256 != null && !pinnedSha256.matches("[0-9a-f]{64}")) {
            throw new ThawException(ThawException.EXIT_USAGE, "--sha256 " + pinnedSha256 + " is not a SHA-256 (64 lowercase hex digits):"
                    + " give the digest in the archive's name, thaw-image-<sha256>.tar");
        }
    }

    boolean isUrl() {
        return location.startsWith("http://") || location.startsWith("https://");
    }

    /**
     * The archive to unpack. For a store directory: the newest archive (by the manifest's creation time) that this
     * host can run; every other one is named in {@code log} with why it was passed over.
     *
     * @throws ThawException (bad image) when the source holds no archive this host can run, naming why
     */
    public Chosen choose(Consumer<String> log) {
        if (isUrl()) {
            return fromUrl();
        }
        Path path = Path.of(location).toAbsolutePath().normalize();
        if (Files.isDirectory(path)) {
            return fromStore(path, log);
        }
        if (!Files.isRegularFile(path)) {
            throw ThawException.badImage("--from " + location + " is neither an archive, a store directory nor an http(s) URL:"
                    + " give one that 'thaw pack' wrote");
        }
        ImagePrivacy.require(path);
        String named = ImageArchive.digestInName(path.getFileName().toString()).orElse(null);
        return new Chosen(path.toString(), expected(named, path.toString()), () -> Files.newInputStream(path), null);
    }

    /** The digest to hold the archive to: the pinned one, which a name must not contradict. */
    private String expected(String named, String where) {
        if (pinnedSha256 != null && named != null && !pinnedSha256.equals(named)) {
            throw ThawException.badImage(where + " is named for manifest " + named + ", not the --sha256 " + pinnedSha256
                    + " given: check which image the deployment asks for");
        }
        return pinnedSha256 != null ? pinnedSha256 : named;
    }

    private Chosen fromUrl() {
        URI uri = URI.create(location);
        String last = uri.getPath() == null ? "" : uri.getPath().substring(uri.getPath().lastIndexOf('/') + 1);
        String expected = expected(ImageArchive.digestInName(last).orElse(null), location);
        if (expected == null) {
            throw new ThawException(ThawException.EXIT_USAGE, "--from " + location + " names no image digest: an archive from a URL is"
                    + " taken only by its SHA-256, so give the URL of thaw-image-<sha256>.tar as 'thaw pack' named it, or --sha256");
        }
        return new Chosen(location, expected, () -> download(uri), null);
    }

    private static InputStream download(URI uri) throws IOException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).build();
        try {
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                response.body().close();
                throw ThawException.badImage(uri + " answered HTTP " + response.statusCode() + ": check the URL, or publish the archive"
                        + " there with 'thaw pack'");
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + uri);
        }
    }

    private Chosen fromStore(Path store, Consumer<String> log) {
        ImagePrivacy.require(store);
        List<Path> archives;
        try (Stream<Path> files = Files.list(store)) {
            archives = files.filter(p -> ImageArchive.digestInName(p.getFileName().toString()).isPresent()).sorted().toList();
        } catch (IOException e) {
            throw ThawException.badImage("cannot list the store " + store + " (" + e.getMessage() + "): check its permissions");
        }
        List<Candidate> runnable = new ArrayList<>();
        List<String> passedOver = new ArrayList<>();
        for (Path archive : archives) {
            String named = ImageArchive.digestInName(archive.getFileName().toString()).orElseThrow();
            if (pinnedSha256 != null && !pinnedSha256.equals(named)) {
                continue;
            }
            try {
                ImageManifest m = manifestOf(archive, named);
                ImageDirectory.requireRunnableHere(m);
                runnable.add(new Candidate(archive, named, m));
            } catch (ThawException e) {
                String why = archive.getFileName() + ": " + e.getMessage();
                passedOver.add(why);
                log.accept("passed over " + why);
            }
        }
        Candidate newest = runnable.stream().max(Comparator.comparing(c -> c.manifest().createdAt())).orElseThrow(() ->
                ThawException.badImage("the store " + store + " holds no image this host can run (" + (archives.isEmpty() ? "no "
                        + ImageArchive.PREFIX + "*" + ImageArchive.SUFFIX + " in it" : passedOver.isEmpty()
                        ? "none with --sha256 " + pinnedSha256 : passedOver.size() + " passed over, as said above")
                        + "): make one on a host of this kind with 'thaw checkpoint' and 'thaw pack'"));
        return new Chosen(newest.archive().toString(), newest.sha256(), () -> Files.newInputStream(newest.archive()), newest.manifest());
    }

    private record Candidate(Path archive, String sha256, ImageManifest manifest) {
    }

    /** Only the manifest of an archive in a store, to choose by: unpacked into a private temporary directory. */
    private static ImageManifest manifestOf(Path archive, String sha256) {
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("thaw-manifest-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try (InputStream in = Files.newInputStream(archive)) {
                return ImageArchive.readManifest(in, tmp, sha256, archive.toString());
            }
        } catch (IOException e) {
            throw ThawException.badImage("cannot read " + archive + " (" + e.getMessage() + ")");
        } finally {
            if (tmp != null) {
                try {
                    ImageDirectory.deleteRecursively(tmp);
                } catch (IOException ignored) {
                    // a few KiB in the temporary directory
                }
            }
        }
    }
}
