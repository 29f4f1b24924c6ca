package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.FreePort;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An image is private from its first byte, and one that others could read is not restored. */
class ImagePrivacyEndToEndTest {
    private static final Duration BOUND = Duration.ofMinutes(3);

    private Path work;

    @BeforeEach
    void makeWorkDir() throws Exception {
        Environment.requireCriu();
        work = Files.createTempDirectory("thaw-it-privacy-");
    }

    @AfterEach
    void deleteWorkDir() throws Exception {
        TempFiles.delete(work);
    }

    @Test
    void a_checkpoint_is_closed_to_others_and_a_group_readable_image_is_refused_by_run_with_one_line() throws Exception {
        int port = FreePort.pick();
        Path image = work.resolve("img");
        ThawProcess.Result made = SampleCheckpoint.run(work, image, port, Map.of());
        assertEquals(0, made.exitCode(), made.output());
        try (Stream<Path> all = Files.walk(image)) {
            for (Path p : all.toList()) {
                int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0777;
                assertEquals(Files.isDirectory(p) ? 0700 : 0400, mode, p + " has mode " + Integer.toOctalString(mode));
            }
        }

        Path pages = Files.list(image.resolve("criu")).filter(p -> p.getFileName().toString().startsWith("pages-")).findFirst().orElseThrow();
        assertEquals(0, new ProcessBuilder("chmod", "g+r", pages.toString()).start().waitFor());
        ThawProcess.Result refused = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", image.toString(),
                "--socket", work.resolve("control.sock").toString(), "--workers", "1");
        assertEquals(5, refused.exitCode(), refused.output());
        assertTrue(refused.errorLine().contains("is open to other users: " + pages + " has mode 0440")
                && refused.errorLine().endsWith("chmod -R go-rwx " + image), refused.output());
        assertEquals(1, refused.lines().stream().filter(l -> l.startsWith("thaw: error:")).count(), refused.output());
    }

    @Test
    void an_image_made_on_a_cpu_with_a_feature_this_one_lacks_is_refused_before_any_restore() throws Exception {
        int port = FreePort.pick();
        Path image = work.resolve("img");
        ThawProcess.Result made = SampleCheckpoint.run(work, image, port, Map.of());
        assertEquals(0, made.exitCode(), made.output());
        Path manifest = image.resolve("manifest.json");
        String json = Files.readString(manifest);
        assertTrue(json.contains("\"cpuFlags\""), "the image records its host's CPU flags: " + json);
        // As if made on a CPU with a feature this one does not have (root may write the 0400 file), and sealed as the thaw
        // that made it there would have: what is tested is the CPU check, not the seal.
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(
                json.replaceFirst("\"cpuFlags\" *: *\\[", "\"cpuFlags\" : [ \"thaw_test_only_flag\", "));
        Files.writeString(manifest, mapper.writerWithDefaultPrettyPrinter().writeValueAsString(dev.thaw.image.ManifestSeal.sign(tree)));

        ThawProcess.Result refused = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", image.toString(),
                "--socket", work.resolve("control.sock").toString(), "--workers", "1");
        assertEquals(5, refused.exitCode(), refused.output());
        assertTrue(refused.errorLine().contains("features this one lacks (thaw_test_only_flag)"), refused.output());
        assertEquals(0, refused.lines().stream().filter(l -> l.contains("ready in")).count(), "nothing was restored");
    }
}
