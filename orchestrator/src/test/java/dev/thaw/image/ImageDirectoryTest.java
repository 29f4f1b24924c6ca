package dev.thaw.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.ThawException;
import dev.thaw.leader.JdkInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDirectoryTest {
    @TempDir
    Path dir;

    private Path stagedImage(ImageDirectory image, String content) throws Exception {
        Path staging = image.createStaging();
        Files.writeString(staging.resolve("criu/pages-1.img"), content);
        List<FileDigest> files = ImageDirectory.digestCriuFiles(staging);
        JdkInfo jdk = JdkInfo.of(Path.of(System.getProperty("java.home")));
        new ImageManifest(ImageManifest.FORMAT, "test", Instant.now(), 1, jdk, List.of("java", "-jar", "app.jar"), "/",
                List.of(), "4.2.1", new ImageManifest.PipeInodes(1, 2, 3), 42, ImageDirectory.sizeOf(files), files, 100, 10, List.of(), null, null, null, null)
                .write(staging);
        return staging;
    }

    private List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            // the directory's lock file (.img.lock) stays, like any lock file
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".lock")).sorted().toList();
        }
    }

    @Test
    void commit_moves_a_complete_staging_directory_into_place() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "new"));
        assertEquals("new", Files.readString(dir.resolve("img/criu/pages-1.img")));
        assertEquals(List.of("img"), names());
        assertEquals(1, image.verify().generation());
    }

    @Test
    void commit_over_an_old_image_swaps_atomically_and_removes_the_old_one() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "old"));
        image.commit(stagedImage(image, "new"));
        assertEquals("new", Files.readString(dir.resolve("img/criu/pages-1.img")));
        assertEquals(List.of("img"), names(), "no staging or old directory left behind");
    }

    @Test
    void a_refork_image_is_committed_only_over_the_generation_it_was_made_from() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "served"));
        ImageManifest served = image.verify();
        Thread.sleep(5); // a later createdAt
        image.commit(stagedImage(image, "newer checkpoint"));
        Path refork = stagedImage(image, "refork of the older one");
        ThawException e = assertThrows(ThawException.class, () -> image.commitIfStill(refork, served));
        assertTrue(e.getMessage().contains("the newer image is kept and this one is dropped"), e.getMessage());
        assertEquals("newer checkpoint", Files.readString(dir.resolve("img/criu/pages-1.img")));

        ImageManifest newer = image.verify();
        image.commitIfStill(refork, newer);
        assertEquals("refork of the older one", Files.readString(dir.resolve("img/criu/pages-1.img")));
    }

    @Test
    void force_replaces_an_image_or_an_empty_directory_but_never_another_directory() throws Exception {
        Path precious = Files.createDirectories(dir.resolve("home"));
        Files.writeString(precious.resolve("thesis.tex"), "years of work");
        ThawException e = assertThrows(ThawException.class, () -> new ImageDirectory(precious).checkWritable(true));
        assertTrue(e.getMessage().contains("is not a thaw image (no manifest.json): --force replaces only images"), e.getMessage());

        new ImageDirectory(Files.createDirectories(dir.resolve("empty"))).checkWritable(true);
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "old"));
        image.checkWritable(true);
    }

    @Test
    void leftovers_of_a_dead_thaw_are_removed_and_a_live_ones_staging_is_kept() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "served"));
        Path mine = image.createStaging(); // this JVM's: a checkpoint in progress
        Path dead = Files.createDirectories(dir.resolve(".img.staging-" + Integer.MAX_VALUE + "@1-abcd1234"));
        Path reusedPid = Files.createDirectories(dir.resolve(".img.staging-" + ProcessHandle.current().pid() + "@1-abcd1234"));
        Path old = Files.createDirectories(dir.resolve(".img.old-abcd1234"));
        image.removeLeftovers();
        assertTrue(Files.isDirectory(mine), "a live checkpoint's staging stays");
        assertFalse(Files.exists(dead));
        assertFalse(Files.exists(reusedPid), "same PID, another start time: a dead owner");
        assertFalse(Files.exists(old), "the image is in place: the old one kept aside is garbage");
        assertEquals("served", Files.readString(dir.resolve("img/criu/pages-1.img")));
    }

    @Test
    void a_commit_that_died_between_its_two_renames_gets_the_last_good_image_back_at_the_next_start() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "last good"));
        Files.move(dir.resolve("img"), dir.resolve(".img.old-abcd1234")); // the first rename happened, the second did not
        image.removeLeftovers();
        assertEquals("last good", Files.readString(dir.resolve("img/criu/pages-1.img")));
        assertEquals(List.of("img"), names());
        assertEquals(1, image.verify().generation());
    }

    @Test
    void leftovers_planted_by_another_user_or_as_symlinks_are_never_deleted() throws Exception {
        RootOnly.require("only root can give a directory away");
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "served"));
        Path victim = Files.createDirectories(dir.resolve("precious"));
        Files.writeString(victim.resolve("file"), "keep");
        Path link = Files.createSymbolicLink(dir.resolve(".img.old-link0000"), victim);
        Path planted = Files.createDirectories(dir.resolve(".img.staging-" + Integer.MAX_VALUE + "@1-planted0"));
        assertEquals(0, new ProcessBuilder("chown", "65534", planted.toString()).start().waitFor());
        image.removeLeftovers();
        assertTrue(Files.exists(victim.resolve("file")), "nothing reached through a symlink");
        assertTrue(Files.isSymbolicLink(link));
        assertTrue(Files.isDirectory(planted), "another user's directory is not thaw's to delete");
    }

    @Test
    void a_committed_image_is_private_and_read_only() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "new"));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("img"))));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("img/criu"))));
        assertEquals("r--------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("img/criu/pages-1.img"))));
    }

    @Test
    void an_existing_image_is_refused_without_force() {
        ImageDirectory image = new ImageDirectory(dir);
        ThawException e = assertThrows(ThawException.class, () -> image.checkWritable(false));
        assertEquals(ThawException.EXIT_USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("pass --force"), e.getMessage());
    }

    /** Root writes through the image's 0400 (as an attacker with root, or a careless edit, would). */
    private static void overwrite(Path file, String content) throws Exception {
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("r--------"));
    }

    @Test
    void verify_names_a_file_whose_content_changed() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "abcdef"));
        overwrite(dir.resolve("img/criu/pages-1.img"), "abcdeX");
        ThawException e = assertThrows(ThawException.class, image::verify);
        assertEquals(ThawException.EXIT_BAD_IMAGE, e.exitCode());
        assertEquals("image " + dir.resolve("img") + " is corrupt: criu/pages-1.img does not match its SHA-256 (changed after the"
                + " checkpoint); make the image again with 'thaw checkpoint --force'", e.getMessage());
    }

    @Test
    void verify_names_a_truncated_file() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "abcdef"));
        overwrite(dir.resolve("img/criu/pages-1.img"), "abc");
        ThawException e = assertThrows(ThawException.class, image::verify);
        assertTrue(e.getMessage().contains("is corrupt: criu/pages-1.img is 3 bytes where the checkpoint wrote 6 (truncated)"),
                e.getMessage());
    }

    @Test
    void verify_refuses_a_file_the_manifest_does_not_list() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "abcdef"));
        Files.writeString(dir.resolve("img/criu/core-99.img"), "planted");
        ThawException e = assertThrows(ThawException.class, image::verify);
        assertTrue(e.getMessage().contains("holds criu/core-99.img, which its manifest does not list (added after the checkpoint)"),
                e.getMessage());
    }

    @Test
    void a_manifest_whose_command_line_was_edited_is_refused_before_any_field_is_used() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "abcdef"));
        Path manifest = dir.resolve("img/manifest.json");
        overwrite(manifest, Files.readString(manifest).replace("\"app.jar\"", "\"evil.jar\""));
        ThawException e = assertThrows(ThawException.class, image::verify);
        assertEquals(manifest + " was changed after the checkpoint (it no longer matches its seal): nothing in it is used;"
                + " make the image again with 'thaw checkpoint --force'", e.getMessage());
        assertThrows(ThawException.class, () -> ImageManifest.read(dir.resolve("img")), "every read checks the seal, not only verify");
    }

    @Test
    void an_image_of_an_older_thaw_with_crc32c_only_is_refused_with_the_fix() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "abcdef"));
        Path manifest = dir.resolve("img/manifest.json");
        overwrite(manifest, Files.readString(manifest).replaceFirst("\"format\" : 2", "\"format\" : 1"));
        ThawException e = assertThrows(ThawException.class, image::verify);
        assertEquals(dir.resolve("img") + " has manifest format 1 but this thaw reads format 2 (SHA-256 digests and a seal, which"
                + " format 1 lacks): make the image again with this thaw's 'thaw checkpoint --force'", e.getMessage());
    }

    @Test
    void a_changed_or_older_manifest_is_still_identified_so_that_hup_says_why_it_is_unusable() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "abcdef"));
        ImageManifest served = image.verify();
        assertTrue(ImageManifest.identify(dir.resolve("img")).is(served));
        Path manifest = dir.resolve("img/manifest.json");
        overwrite(manifest, Files.readString(manifest).replaceFirst("\"format\" : 2", "\"format\" : 1")
                .replaceFirst("\"generation\" : 1", "\"generation\" : 7"));
        assertEquals(7, ImageManifest.identify(dir.resolve("img")).generation(), "a new image is seen, then refused by the pin");
        assertThrows(ThawException.class, image::verify);
    }

    @Test
    void a_reforked_manifest_lists_the_new_files_digests_and_is_sealed_anew() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "leader"));
        ImageManifest served = image.verify();
        Path staging = image.createStaging();
        Files.writeString(staging.resolve("criu/pages-1.img"), "worker heap");
        List<FileDigest> files = ImageDirectory.digestCriuFiles(staging);
        served.reforked(Instant.now(), new ImageManifest.PipeInodes(4, 5, 6), 42, files, 10, "worker 0", null).write(staging);
        image.commitIfStill(staging, served);
        ImageManifest next = image.verify();
        assertEquals(2, next.generation());
        assertEquals(files, next.imageFiles());
        assertEquals(64, next.imageFiles().get(0).sha256().length());
    }

    @Test
    void verify_names_a_missing_file() throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve("img"));
        image.commit(stagedImage(image, "abc"));
        Files.delete(dir.resolve("img/criu/pages-1.img"));
        ThawException e = assertThrows(ThawException.class, image::verify);
        assertTrue(e.getMessage().contains("criu/pages-1.img is missing"), e.getMessage());
    }
}
