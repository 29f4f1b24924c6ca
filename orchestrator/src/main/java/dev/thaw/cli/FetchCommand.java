package dev.thaw.cli;

import dev.thaw.image.ArchiveSource;
import dev.thaw.image.ImageArchive;
import dev.thaw.image.ImageDirectory;
import dev.thaw.image.ImageManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "fetch", sortOptions = false,
        description = {"Take an image made elsewhere ('thaw pack') and install it as an image directory, after checking that this host"
                + " can run it: the same JDK build, the app's files, the CPU's features and a kernel no older than the one it was made on"
                + " (checked before anything else is unpacked), then every file's SHA-256 against the sealed manifest as it is written.",
                "--from is an archive, a store directory (the newest archive this host can run is taken; the others are named with why"
                        + " not), or an http(s) URL of thaw-image-<sha256>.tar. Nothing replaces the image directory until the new"
                        + " image is complete and verified; on any failure the old one stays as it was.",
                "Exit 5 when no image fits this host: the caller can make its own with 'thaw checkpoint' (docs/kubernetes.md)."},
        footer = {"", "Examples:", "  thaw fetch --from /srv/thaw-images --image /var/lib/thaw/app --force",
                "  thaw fetch --from https://images.example/thaw-image-<sha256>.tar --image /var/lib/thaw/app"})
public final class FetchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "ARCHIVE|STORE|URL", description = "Where the image comes from.")
    String from;

    @Option(names = "--image", required = true, paramLabel = "DIR", description = "Image directory to write.")
    Path image;

    @Option(names = "--sha256", paramLabel = "DIGEST", description = "Take only the image whose manifest has this SHA-256 (the digest"
            + " in its archive's name).")
    String sha256;

    @Option(names = "--force", description = "Replace an existing image (atomically, once the new one is complete and verified).")
    boolean force;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        ImageDirectory target = new ImageDirectory(image);
        target.checkWritable(force);
        // As thaw checkpoint does: a Kubernetes emptyDir (0777, root's) gets the sticky bit, or the image
        // installed in it would be refused as one other users could swap.
        target.protectParent().ifPresent(line -> out.println("thaw: " + line));
        target.removeLeftovers();
        ArchiveSource.Chosen chosen = new ArchiveSource(from, sha256).choose(line -> out.println("thaw: " + line));
        out.println("thaw: fetching " + chosen.describe());
        Path staging = target.createStaging();
        try {
            long start = System.nanoTime();
            ImageManifest manifest;
            try (InputStream in = chosen.opener().open()) {
                // One pass: the manifest first, checked against this host; then each file written and hashed on the way.
                ImageArchive.unpack(in, staging, chosen.expectedSha256(), chosen.describe(), chosen::requireRunnableHere);
            } catch (IOException e) {
                throw dev.thaw.ThawException.badImage("cannot unpack " + chosen.describe() + " (" + e.getMessage() + "): check the store"
                        + " or the network, or make the archive again with 'thaw pack'");
            }
            manifest = new ImageDirectory(staging).verifyHashedWhenWritten();
            long unpacked = System.nanoTime();
            target.commit(staging);
            long committed = System.nanoTime();
            out.println("thaw: image " + target.target() + " installed: generation " + manifest.generation() + ", made "
                    + manifest.createdAt() + ", " + dev.thaw.Bytes.human(manifest.imageBytes()) + "; verified for this host"
                    + " (unpacked and hashed in " + seconds(unpacked - start) + ", synced in " + seconds(committed - unpacked) + ")");
            return 0;
        } finally {
            if (java.nio.file.Files.exists(staging)) {
                ImageDirectory.deleteRecursively(staging);
            }
        }
    }

    private static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.2f s", nanos / 1e9);
    }
}
