package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.FreePort;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An image is never replaced by a broken one, and a broken image is never restored: each failure is
 * one line naming the problem and the fix.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SampleAppImageExtension.class)
class ImageSafetyTest {
    private static final Duration BOUND = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Made in @BeforeAll: JUnit injects @TempDir fields too late for a PER_CLASS @BeforeAll. */
    private Path work;
    /** The shared good image: only restored from and copied; every test that writes works on a copy. */
    private SampleAppImage good;
    private Path image;
    private int port;

    @BeforeAll
    void useTheSharedGoodImage(SampleAppImage shared) throws Exception {
        work = Files.createTempDirectory("thaw-it-");
        good = shared;
        image = shared.dir();
        port = shared.port(); // the port its workers bind, which a test takes first
    }

    @AfterAll
    void removeImages() throws Exception {
        TempFiles.delete(work);
    }

    private ThawProcess.Result checkpoint(Path target, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("checkpoint", "--image", target.toString()));
        args.addAll(List.of(options));
        args.addAll(List.of("--", Environment.JAVA.toString(), "-Xmx256m", "-Dsample.port=" + port, "-Dsample.dataset.mb=5",
                "-jar", Environment.SAMPLE_JAR.toString()));
        return ThawProcess.run(work, Map.of(), BOUND, args.toArray(String[]::new));
    }

    private Path copyOfImage(String name) throws Exception {
        return good.copyTo(work.resolve(name));
    }

    private String createdAt(Path img) throws Exception {
        return JSON.readTree(img.resolve("manifest.json").toFile()).path("createdAt").asText();
    }

    private List<String> leftovers() throws Exception {
        try (Stream<Path> s = Files.list(work)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".staging-") || n.contains(".old-")).toList();
        }
    }

    private static Path pagesFile(Path image) throws Exception {
        try (Stream<Path> s = Files.list(image.resolve("criu"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("pages-")).findFirst().orElseThrow();
        }
    }

    /** thaw run refuses, exit 5, with one line containing {@code expected}, and restores nothing. */
    private void assertRunRefuses(Path img, String expected) throws Exception {
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", img.toString());
        assertEquals(5, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains(expected), r.output());
        assertTrue(r.output().lines().noneMatch(l -> l.contains("restor")), "nothing restored:\n" + r.output());
    }

    /** The manifest's JSON changed by {@code edit}, in place, as an editor (or an attacker with root) would. */
    private static void editManifest(Path img, java.util.function.Consumer<ObjectNode> edit, boolean reseal) throws Exception {
        ObjectNode manifest = (ObjectNode) JSON.readTree(img.resolve("manifest.json").toFile());
        edit.accept(manifest);
        if (reseal) {
            // as the thaw that made the image would have written it: what is tested is the field, not the seal
            dev.thaw.image.ManifestSeal.sign(manifest);
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(img.resolve("manifest.json").toFile(), manifest);
    }

    @Test
    void run_on_an_image_whose_page_file_was_changed_or_truncated_names_the_file_and_restores_nothing() throws Exception {
        Path copy = copyOfImage("corrupt");
        Path pages = pagesFile(copy);
        long length = Files.size(pages);
        try (RandomAccessFile f = new RandomAccessFile(pages.toFile(), "rw")) {
            f.seek(length / 2);
            int b = f.read();
            f.seek(length / 2);
            f.write(b ^ 0xff);
        }
        assertRunRefuses(copy, "is corrupt: criu/" + pages.getFileName() + " does not match its SHA-256 (changed after the checkpoint);"
                + " make the image again with 'thaw checkpoint --force'");

        Path truncated = copyOfImage("truncated");
        try (RandomAccessFile f = new RandomAccessFile(pagesFile(truncated).toFile(), "rw")) {
            f.setLength(length - 4096);
        }
        assertRunRefuses(truncated, "is corrupt: criu/" + pages.getFileName() + " is " + (length - 4096) + " bytes where the checkpoint"
                + " wrote " + length + " (truncated)");
    }

    @Test
    void run_on_an_image_whose_recorded_command_line_was_changed_is_refused_before_anything_runs() throws Exception {
        Path copy = copyOfImage("changed-command");
        Path marker = work.resolve("ran");
        editManifest(copy, m -> ((com.fasterxml.jackson.databind.node.ArrayNode) m.get("command"))
                .insert(1, "-XX:OnError=touch " + marker), false);
        assertRunRefuses(copy, copy.resolve("manifest.json") + " was changed after the checkpoint (it no longer matches its seal):"
                + " nothing in it is used; make the image again with 'thaw checkpoint --force'");
        ThawProcess.Result inspect = ThawProcess.run(work, Map.of(), BOUND, "inspect", copy.toString());
        assertEquals(5, inspect.exitCode(), inspect.output());
        assertTrue(inspect.errorLine().contains("was changed after the checkpoint"), inspect.output());
        assertTrue(Files.notExists(marker));
    }

    @Test
    void run_on_an_image_whose_agent_jar_was_rebuilt_is_refused_before_any_restore() throws Exception {
        Path copy = copyOfImage("other-agent");
        editManifest(copy, manifest -> {
            ObjectNode agent = null;
            for (var f : manifest.get("appFiles")) {
                if (f.path("path").asText().endsWith("/thaw-agent.jar")) {
                    agent = (ObjectNode) f;
                }
            }
            assertTrue(agent != null, "the manifest records thaw's agent jar: " + manifest.get("appFiles"));
            agent.put("sha256", "00".repeat(32)); // as if thaw had been rebuilt since the checkpoint
        }, true);
        assertRunRefuses(copy, "changed or vanished since the checkpoint");
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", copy.toString());
        assertTrue(r.errorLine().contains("thaw's agent jar"), r.output());
    }

    @Test
    void run_on_an_image_made_with_another_jdk_build_is_refused() throws Exception {
        Path copy = copyOfImage("other-jdk");
        editManifest(copy, manifest -> {
            ObjectNode jdk = (ObjectNode) manifest.get("jdk");
            jdk.put("version", "25.0.0+1-other");
            ((ObjectNode) jdk.get("libjvm")).put("sha256", "00".repeat(32));
        }, true);
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", copy.toString());
        assertEquals(5, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("the image was made with") && r.errorLine().contains("different libjvm.so"), r.output());
    }

    /**
     * USR2 replays the serving image's command line as root: edited in place after the pool verified the
     * image (the pool's pin shares the file), it is refused before any leader starts, and the pool serves on.
     */
    @Test
    void usr2_refuses_a_command_line_changed_after_the_pool_started_and_starts_nothing() throws Exception {
        Path copy = copyOfImage("usr2-changed");
        good.awaitPortFree(Duration.ofSeconds(30));
        try (Pool pool = Pool.start(work, copy, work.resolve("usr2.sock"), "--workers", "1")) {
            pool.thaw().awaitLine("all 1 workers ready", Duration.ofSeconds(60));
            Path marker = work.resolve("replayed");
            editManifest(copy, m -> ((com.fasterxml.jackson.databind.node.ArrayNode) m.get("command"))
                    .insert(1, "-XX:OnError=touch " + marker), false);
            pool.signal("USR2");
            pool.thaw().awaitLine("received SIGUSR2: refused, nothing started: " + java.util.regex.Pattern.quote(
                    copy.resolve("manifest.json") + " was changed after the checkpoint (it no longer matches its seal)"),
                    Duration.ofSeconds(30));
            Thread.sleep(1000); // a child 'thaw checkpoint' would print within this
            assertTrue(pool.thaw().output().lines().noneMatch(l -> l.contains("next image |")), pool.thaw().output());
            assertEquals(200, dev.thaw.testkit.Http.get(port, "/health").status(), pool.thaw().output());
            assertTrue(Files.notExists(marker));
        }
    }

    @Test
    void checkpoint_refuses_an_existing_image_without_force_and_leaves_it_alone() throws Exception {
        Path existing = copyOfImage("existing"); // were the refusal broken, the shared image would be replaced
        String before = createdAt(existing);
        ThawProcess.Result r = checkpoint(existing, "--warmup-url", "http://127.0.0.1:" + port + "/health");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("already exists: pass --force"), r.output());
        assertEquals(before, createdAt(existing));
    }

    @Test
    void checkpoint_with_force_replaces_the_image_and_leaves_no_staging_directory() throws Exception {
        Path target = copyOfImage("replaced");
        String before = createdAt(target);
        ThawProcess.Result r = checkpoint(target, "--force", "--warmup-url", "http://127.0.0.1:" + port + "/health",
                "--warmup-requests", "1");
        assertEquals(0, r.exitCode(), r.output());
        assertNotEquals(before, createdAt(target));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void a_warmup_url_that_never_answers_fails_the_checkpoint_and_keeps_the_old_image() throws Exception {
        Path target = copyOfImage("kept");
        String before = createdAt(target);
        int deadPort = FreePort.pick();
        ThawProcess.Result r = checkpoint(target, "--force", "--ready-timeout", "3",
                "--warmup-url", "http://127.0.0.1:" + deadPort + "/health");
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("did not answer 200 within 3 s: check the URL and port"), r.output());
        assertEquals(before, createdAt(target));
        assertEquals(List.of(), leftovers());
        ThawProcess.Result verify = ThawProcess.run(work, Map.of(), BOUND, "inspect", "--verify", target.toString());
        assertEquals(0, verify.exitCode(), verify.output());
    }

    @Test
    void a_leader_that_exits_early_fails_the_checkpoint_with_its_exit_code() throws Exception {
        Path target = work.resolve("never");
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "checkpoint", "--image", target.toString(),
                "--warmup-url", "http://127.0.0.1:1/", "--", Environment.JAVA.toString(), "-cp", "/nonexistent", "NoSuchMain");
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("the leader exited with code 1"), r.output());
        assertTrue(Files.notExists(target));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void a_disk_too_small_for_the_image_fails_the_checkpoint_and_writes_nothing() throws Exception {
        Path small = work.resolve("small-disk");
        Files.createDirectories(small);
        assertEquals(0, new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", small.toString())
                .inheritIO().start().waitFor(), "mount a 16 MiB tmpfs");
        try {
            Path target = small.resolve("img");
            ThawProcess.Result r = checkpoint(target, "--warmup-url", "http://127.0.0.1:" + port + "/health");
            assertEquals(1, r.exitCode(), r.output());
            assertTrue(r.errorLine().contains("not enough disk space for the image in " + small), r.output());
            try (Stream<Path> s = Files.list(small)) {
                assertEquals(List.of(), s.toList(), "nothing half-written");
            }
        } finally {
            new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void a_port_held_by_another_process_makes_thaw_halt_naming_the_bind_failure() throws Exception {
        try (java.net.ServerSocket squatter = new java.net.ServerSocket()) {
            squatter.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", image.toString(),
                    "--workers", "1", "--max-boot-failures", "2");
            assertEquals(3, r.exitCode(), r.output());
            assertTrue(r.errorLine().contains("worker 0 failed to boot 2 times in a row"), r.output());
            assertTrue(r.errorLine().contains("Address already in use"), r.output());
        }
    }
}
