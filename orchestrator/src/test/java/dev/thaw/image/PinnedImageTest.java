package dev.thaw.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.ThawException;
import dev.thaw.leader.JdkInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pool's pin of its image: verified once, and what USR2 replays is read again from it. */
class PinnedImageTest {
    @TempDir
    Path dir;
    private ImageDirectory image;

    @BeforeEach
    void commitAnImage() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        image = new ImageDirectory(dir.resolve("img"));
        Path staging = image.createStaging();
        Files.writeString(staging.resolve("criu/pages-1.img"), "the heap");
        List<FileDigest> files = ImageDirectory.digestCriuFiles(staging);
        new ImageManifest(ImageManifest.FORMAT, "test", Instant.now(), 1, JdkInfo.of(Path.of(System.getProperty("java.home"))),
                List.of("java", "-jar", "app.jar"), "/", List.of(), "4.2.1", new ImageManifest.PipeInodes(1, 2, 3), 42,
                ImageDirectory.sizeOf(files), files, 100, 10, List.of("--warmup-url", "http://127.0.0.1:8080/"), null, null, null, null)
                .write(staging);
        image.commit(staging);
    }

    /** Root writes through the image's 0400 in place, as an attacker with root (or an editor) would. */
    private static void overwrite(Path file, String content) throws Exception {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    }

    private List<String> pins() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".pin-")).toList();
        }
    }

    @Test
    void the_recipe_read_again_is_the_verified_one_until_the_manifest_is_changed_in_place() throws Exception {
        try (PinnedImage pin = PinnedImage.pin(image)) {
            assertEquals(pin.manifest(), pin.reread());
            Path manifest = dir.resolve("img/manifest.json");
            overwrite(manifest, Files.readString(manifest).replace("\"app.jar\"", "\"-XX:OnError=sh\""));
            ThawException e = assertThrows(ThawException.class, pin::reread, "the pin's manifest is a hard link of the image's");
            assertEquals(manifest + " was changed after the checkpoint (it no longer matches its seal): nothing in it is used;"
                    + " make the image again with 'thaw checkpoint --force'", e.getMessage(), "names the image, not the pin");
        }
        assertEquals(List.of(), pins(), "a closed pin is gone");
    }

    @Test
    void a_corrupt_image_is_refused_at_once_naming_the_image_and_leaves_no_pin() throws Exception {
        overwrite(dir.resolve("img/criu/pages-1.img"), "the heaP");
        ThawException e = assertThrows(ThawException.class, () -> PinnedImage.pin(image));
        assertEquals("image " + dir.resolve("img") + " is corrupt: criu/pages-1.img does not match its SHA-256 (changed after the"
                + " checkpoint); make the image again with 'thaw checkpoint --force'", e.getMessage());
        assertEquals(List.of(), pins());
    }
}
