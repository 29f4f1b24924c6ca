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

    @Test
    void run_on_a_corrupt_image_names_the_damaged_file() throws Exception {
        Path copy = copyOfImage("corrupt");
        Path pages;
        try (Stream<Path> s = Files.list(copy.resolve("criu"))) {
            pages = s.filter(p -> p.getFileName().toString().startsWith("pages-")).findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(pages.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0xff);
        }
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", copy.toString());
        assertEquals(5, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("is corrupt: criu/" + pages.getFileName() + " does not match its checksum"), r.output());
    }

    @Test
    void run_on_an_image_whose_agent_jar_was_rebuilt_is_refused_before_any_restore() throws Exception {
        Path copy = copyOfImage("other-agent");
        ObjectNode manifest = (ObjectNode) JSON.readTree(copy.resolve("manifest.json").toFile());
        ObjectNode agent = null;
        for (var f : manifest.get("appFiles")) {
            if (f.path("path").asText().endsWith("/thaw-agent.jar")) {
                agent = (ObjectNode) f;
            }
        }
        assertTrue(agent != null, "the manifest records thaw's agent jar: " + manifest.get("appFiles"));
        agent.put("crc32c", "00000000"); // as if thaw had been rebuilt since the checkpoint
        JSON.writeValue(copy.resolve("manifest.json").toFile(), manifest);
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", copy.toString());
        assertEquals(5, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("thaw's agent jar") && r.errorLine().contains("changed or vanished since the checkpoint"), r.output());
        assertTrue(r.output().lines().noneMatch(l -> l.contains("restoring")), r.output());
    }

    @Test
    void run_on_an_image_made_with_another_jdk_build_is_refused() throws Exception {
        Path copy = copyOfImage("other-jdk");
        ObjectNode manifest = (ObjectNode) JSON.readTree(copy.resolve("manifest.json").toFile());
        ObjectNode jdk = (ObjectNode) manifest.get("jdk");
        jdk.put("version", "25.0.0+1-other");
        ((ObjectNode) jdk.get("libjvm")).put("crc32c", "00000000");
        JSON.writeValue(copy.resolve("manifest.json").toFile(), manifest);
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", copy.toString());
        assertEquals(5, r.exitCode(), r.output());
        assertTrue(r.errorLine().contains("the image was made with") && r.errorLine().contains("different libjvm.so"), r.output());
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
