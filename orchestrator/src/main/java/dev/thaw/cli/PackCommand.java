package dev.thaw.cli;

import dev.thaw.ThawException;
import dev.thaw.image.ImageArchive;
import dev.thaw.image.ImageDirectory;
import dev.thaw.image.ImageManifest;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "pack", sortOptions = false,
        description = {"Pack an image into one archive that travels: <store>/thaw-image-<sha256 of its manifest>.tar.",
                "The image is verified first (every file's SHA-256, the JDK, the app's files, the CPU, the kernel); the archive is written under a"
                        + " temporary name and renamed, so a store never shows half of one. Other hosts take it with 'thaw fetch'"
                        + " (docs/images.md, \"Images that travel\")."},
        footer = {"", "Example:", "  thaw pack --image /var/lib/thaw/app --to /srv/thaw-images"})
public final class PackCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--image", required = true, paramLabel = "DIR", description = "Image directory to pack.")
    Path image;

    @Option(names = "--to", required = true, paramLabel = "STORE", description = "Directory the archive is written into (it holds the"
            + " app's heap: keep it as private as the image, thaw's user's alone).")
    Path store;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ImageDirectory dir = new ImageDirectory(image);
        dir.requirePrivate();
        ImageManifest manifest = dir.verify();
        if (!Files.isDirectory(store)) {
            throw new ThawException(ThawException.EXIT_USAGE, "--to " + store + " is not a directory: create it (mode 0700) first");
        }
        Path archive = ImageArchive.pack(dir.target(), manifest, store.toAbsolutePath().normalize());
        out.println("thaw: packed " + dir.target() + " (generation " + manifest.generation() + ", " + dev.thaw.Bytes.human(Files.size(archive))
                + ") into " + archive);
        out.println("thaw: fetch it with: thaw fetch --from " + archive + " --image DIR   (or from an http(s) URL of that file)");
        return 0;
    }
}
