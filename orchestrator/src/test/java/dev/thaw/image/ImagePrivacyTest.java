package dev.thaw.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.ThawException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ssh's StrictModes for images: what other users could read or swap is not restored. */
class ImagePrivacyTest {
    @TempDir
    Path dir;

    private Path sealedImage() throws Exception {
        Path image = Files.createDirectories(dir.resolve("img/criu"));
        Files.writeString(image.resolve("pages-1.img"), "heap");
        Files.writeString(dir.resolve("img/manifest.json"), "{}");
        ImageDirectory.seal(dir.resolve("img"));
        return dir.resolve("img");
    }

    private static void chmod(String mode, Path p) throws Exception {
        assertEquals(0, new ProcessBuilder("chmod", mode, p.toString()).start().waitFor());
    }

    @Test
    void a_sealed_image_in_a_private_directory_passes() throws Exception {
        new ImageDirectory(sealedImage()).requirePrivate();
    }

    @Test
    void a_file_others_can_read_is_refused_with_the_fix() throws Exception {
        Path image = sealedImage();
        chmod("0644", image.resolve("criu/pages-1.img"));
        ThawException e = assertThrows(ThawException.class, () -> new ImageDirectory(image).requirePrivate());
        assertEquals(ThawException.EXIT_BAD_IMAGE, e.exitCode());
        assertTrue(e.getMessage().contains(image.resolve("criu/pages-1.img") + " has mode 0644"), e.getMessage());
        assertTrue(e.getMessage().endsWith("chmod -R go-rwx " + image), e.getMessage());
    }

    @Test
    void a_parent_others_can_write_is_refused_unless_it_is_sticky() throws Exception {
        Path image = sealedImage();
        chmod("0777", dir);
        ThawException e = assertThrows(ThawException.class, () -> new ImageDirectory(image).requirePrivate());
        assertTrue(e.getMessage().contains(dir + " (mode 0777) lets other users replace what is in it: chmod go-w " + dir), e.getMessage());
        chmod("1777", dir);
        new ImageDirectory(image).requirePrivate();
    }

    @Test
    void a_checkpoint_makes_an_open_parent_it_owns_sticky_so_its_image_can_be_restored() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("emptydir"));
        chmod("0777", shared);
        new ImageDirectory(shared.resolve("img")).protectParent();
        assertEquals(01777, (Integer) Files.getAttribute(shared, "unix:mode") & 07777);
    }

    @Test
    void an_image_owned_by_another_user_is_refused() throws Exception {
        RootOnly.require("only root can give a file away");
        Path image = sealedImage();
        assertEquals(0, new ProcessBuilder("chown", "-R", "65534", image.toString()).start().waitFor());
        ThawException e = assertThrows(ThawException.class, () -> new ImageDirectory(image).requirePrivate());
        assertTrue(e.getMessage().contains("belongs to uid 65534, not to uid 0 that runs thaw"), e.getMessage());
        assertTrue(e.getMessage().contains("chown -R 0 " + image), e.getMessage());
    }
}
