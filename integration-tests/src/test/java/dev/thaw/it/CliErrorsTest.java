package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.FreePort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input that thaw must turn away before touching CRIU: one line naming problem and fix, non-zero exit. */
class CliErrorsTest {
    private static final Duration BOUND = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @Test
    void run_on_a_missing_image_names_the_image_and_how_to_make_one() throws Exception {
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", work.resolve("nope").toString());
        assertEquals(5, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("does not exist: make one with 'thaw checkpoint"), r.output());
    }

    @Test
    void run_on_a_half_written_image_says_it_is_incomplete() throws Exception {
        Path image = work.resolve("half");
        Files.createDirectories(image.resolve("criu"));
        Files.writeString(image.resolve("criu/pages-1.img"), "partial");
        closeToOthers(image); // as thaw's own staging directories are: the privacy check passes, completeness is what fails
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", image.toString());
        assertEquals(5, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("is not a complete thaw image"), r.output());
    }

    @Test
    void run_on_a_manifest_of_another_format_refuses_it() throws Exception {
        Path image = work.resolve("foreign");
        Files.createDirectories(image);
        Files.writeString(image.resolve("manifest.json"), "{\"format\": 99}");
        closeToOthers(image);
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", image.toString());
        assertEquals(5, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("manifest format 99"), r.output());
    }

    /** After an upgrade, an image of an older thaw's manifest format: one line, exit 5, and the fix (docs/images.md). */
    @Test
    void run_on_an_image_of_an_older_thaw_says_in_one_line_to_make_it_again() throws Exception {
        Path image = work.resolve("old");
        Files.createDirectories(image.resolve("criu"));
        Files.writeString(image.resolve("manifest.json"), "{\"format\": 1, \"thawVersion\": \"0.0.9\", \"generation\": 1}");
        closeToOthers(image);
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", image.toString());
        assertEquals(5, r.exitCode(), r.output());
        assertEquals("thaw: error: " + image + " has manifest format 1 but this thaw reads format 2 (SHA-256 digests and a seal, which"
                + " format 1 lacks): make the image again with this thaw's 'thaw checkpoint --force'", r.errorLine());
        assertEquals(1, r.output().lines().filter(l -> !l.isBlank()).count(), "one line:\n" + r.output());
    }

    @Test
    void checkpoint_without_criu_says_how_to_install_it() throws Exception {
        ThawProcess.Result r = ThawProcess.run(work, Map.of("THAW_CRIU", "/nonexistent/criu"), BOUND,
                "checkpoint", "--image", work.resolve("img").toString(), "--warmup-url", "http://127.0.0.1:1/", "--", "java", "-version");
        assertEquals(4, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("CRIU not found: run scripts/setup"), r.output());
        assertTrue(Files.notExists(work.resolve("img")));
    }

    @Test
    void checkpoint_with_a_criu_too_old_names_the_version_needed() throws Exception {
        Path fake = work.resolve("criu");
        Files.writeString(fake, "#!/bin/sh\necho 'Version: 3.17.1'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        ThawProcess.Result r = ThawProcess.run(work, Map.of("THAW_CRIU", fake.toString()), BOUND,
                "checkpoint", "--image", work.resolve("img").toString(), "--warmup-url", "http://127.0.0.1:1/", "--", "java", "-version");
        assertEquals(4, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("CRIU 3.17.1 at " + fake + " is too old (thaw needs >= 4.2)"), r.output());
    }

    @Test
    void checkpoint_force_refuses_to_replace_a_directory_that_is_not_an_image() throws Exception {
        Path home = Files.createDirectories(work.resolve("home"));
        Files.writeString(home.resolve("notes.txt"), "keep me");
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "checkpoint", "--force", "--image", home.toString(),
                "--warmup-url", "http://127.0.0.1:1/", "--", Environment.JAVA.toString(), "-version");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("is not a thaw image (no manifest.json): --force replaces only images"), r.output());
        assertEquals("keep me", Files.readString(home.resolve("notes.txt")));
    }

    @Test
    void an_unknown_flag_is_a_usage_error_pointing_to_help() throws Exception {
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", "x", "--wrokers", "3");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("Unknown options: '--wrokers'"), r.output());
        assertTrue(r.errorLine().contains("see 'thaw run --help'"), r.output());
    }

    @Test
    void a_worker_count_out_of_range_is_refused() throws Exception {
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", "x", "--workers", "0");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("workers = '0' from flag --workers is invalid: expected 1..1024"), r.output());
    }

    @Test
    void a_command_that_is_not_java_is_refused_before_anything_starts() throws Exception {
        Environment.requireCriu();
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "checkpoint", "--image", work.resolve("img").toString(),
                "--warmup-url", "http://127.0.0.1:1/", "--", "python3", "app.py");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("the command must start with a java executable"), r.output());
    }

    @Test
    void a_checkpoint_with_no_way_to_tell_when_the_app_is_ready_is_refused() throws Exception {
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "checkpoint", "--image", work.resolve("img").toString(),
                "--", "java", "-jar", "app.jar");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("give --warmup-url URL") && r.errorLine().contains("or --app-checkpoint"), r.output());
        r = ThawProcess.run(work, Map.of(), BOUND, "check", "--", "java", "-jar", "app.jar");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("thaw check needs --warmup-url URL"), r.output());
    }

    @Test
    void warm_up_urls_are_refused_for_an_app_that_checkpoints_itself() throws Exception {
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "checkpoint", "--image", work.resolve("img").toString(),
                "--warmup-url", "http://127.0.0.1:8080/health", "--", "java", "-Dspring.context.checkpoint=onRefresh", "-jar", "app.jar");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("--warmup-url cannot be used when the app checkpoints itself"
                + " (-Dspring.context.checkpoint=onRefresh): it is dumped before it serves; drop --warmup-url"), r.output());
        r = ThawProcess.run(work, Map.of(), BOUND, "checkpoint", "--image", work.resolve("img").toString(), "--app-checkpoint",
                "--warmup-url", "http://127.0.0.1:8080/health", "--", "java", "-jar", "app.jar");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("(--app-checkpoint)"), r.output());
    }

    @Test
    void app_checkpoint_for_an_app_that_never_asks_says_what_the_app_must_do() throws Exception {
        Environment.requireCriu();
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "checkpoint", "--image", work.resolve("img").toString(),
                "--app-checkpoint", "--ready-timeout", "2", "--checkpoint-timeout", "1", "--",
                Environment.JAVA.toString(), "-Dsample.port=" + FreePort.pick(), "-Dsample.dataset.mb=1", "-jar", Environment.SAMPLE_JAR.toString());
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("the app did not ask for its checkpoint within 3 s: --app-checkpoint needs an app that"
                + " calls org.crac.Core.checkpointRestore()"), r.output());
        assertTrue(Files.notExists(work.resolve("img")), "no image is written");
    }

    private static void closeToOthers(Path image) throws Exception {
        assertEquals(0, new ProcessBuilder("chmod", "-R", "go-rwx", image.toString()).start().waitFor());
    }
}
