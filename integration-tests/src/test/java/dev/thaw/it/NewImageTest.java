package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.Http;
import dev.thaw.testkit.FreePort;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A pool moving to a new image while it serves: USR2 makes the next image from the command line
 * recorded in the serving one, HUP switches to an image written by a separate 'thaw checkpoint',
 * and a new image that cannot be made changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NewImageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path work;
    private Path image;
    private Path socket;
    private Path jar;
    private int port;
    private Pool pool;

    @BeforeAll
    void checkpointACopyOfTheSampleApp() throws Exception {
        Environment.requireCriu();
        work = Files.createTempDirectory("thaw-newimg-");
        image = work.resolve("image");
        socket = work.resolve("pool.sock");
        jar = work.resolve("app.jar"); // a copy of its own, so a test may take it away
        Files.copy(Environment.SAMPLE_JAR, jar);
        port = FreePort.pick();
        ThawProcess.Result r = checkpoint(false);
        assertEquals(0, r.exitCode(), r.output());
    }

    private ThawProcess.Result checkpoint(boolean force) throws Exception {
        List<String> args = new ArrayList<>(List.of("checkpoint", "--image", image.toString()));
        if (force) {
            args.addAll(List.of("--force", "--private-network")); // the pool serves the app's port meanwhile
        }
        args.addAll(List.of("--warmup-requests=100", "--warmup-url", "http://127.0.0.1:" + port + "/health",
                "--", Environment.JAVA.toString(), "-Xmx256m", "-Dsample.port=" + port, "-Dsample.dataset.mb=10", "-jar", "app.jar"));
        return ThawProcess.run(work, Map.of(), Duration.ofMinutes(3), args.toArray(String[]::new));
    }

    @AfterEach
    void stopPool() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }

    @AfterAll
    void removeImage() throws Exception {
        TempFiles.delete(work);
    }

    private JsonNode manifest() throws Exception {
        return JSON.readTree(image.resolve("manifest.json").toFile());
    }

    private void assertServes() {
        try {
            assertEquals(200, Http.get(port, "/items/7").status(), pool.thaw().output());
        } catch (java.io.IOException e) {
            throw new AssertionError("nothing serves on port " + port + " (" + e + "):\n" + pool.thaw().output(), e);
        }
    }

    @Test
    void USR2_makes_the_next_generation_from_the_recorded_command_and_rolls_every_worker_onto_it_without_failing_a_request()
            throws Exception {
        long generation = manifest().path("generation").asLong();
        pool = Pool.start(work, image, socket, "--workers", "2");
        pool.thaw().awaitLine("all 2 workers ready", Duration.ofSeconds(60));
        Set<Long> before = pool.awaitReady(2, Set.of(), Duration.ofSeconds(10));
        try (Load load = new Load(port, "/items/7", 2, Duration.ofSeconds(120))) {
            pool.signal("USR2");
            pool.thaw().awaitLine("new image made: new image in .* \\(generation " + (generation + 1) + ",", Duration.ofMinutes(3));
            pool.awaitReady(2, before, Duration.ofSeconds(60));
            Thread.sleep(500);
            load.close();
            System.out.println("USR2 under load: " + load.report());
            assertEquals(0, load.failed(), load.report());
            assertTrue(load.ok() > 50, load.report());
        }
        JsonNode status = pool.status();
        assertEquals(generation + 1, status.path("imageGeneration").asLong(), status.toString());
        for (JsonNode w : status.path("workers")) {
            assertEquals(generation + 1, w.path("generation").asLong(), status.toString());
        }
        assertEquals(generation + 1, manifest().path("generation").asLong());
        assertServes();
    }

    @Test
    void a_new_image_that_cannot_be_made_leaves_the_workers_and_the_old_image_untouched() throws Exception {
        String createdAt = manifest().path("createdAt").asText();
        pool = Pool.start(work, image, socket, "--workers", "2");
        pool.thaw().awaitLine("all 2 workers ready", Duration.ofSeconds(60));
        Set<Long> before = pool.awaitReady(2, Set.of(), Duration.ofSeconds(10));
        Path away = work.resolve("app.jar.away");
        Files.move(jar, away); // the new code is broken: the leader cannot even start
        try {
            pool.signal("USR2");
            pool.thaw().awaitLine("the new image failed \\(exit \\d+.*\\): workers keep serving generation \\d+ and the old image stays in place",
                    Duration.ofMinutes(3));
        } finally {
            Files.move(away, jar, StandardCopyOption.REPLACE_EXISTING);
        }
        assertEquals(createdAt, manifest().path("createdAt").asText(), "the image was not replaced");
        assertEquals(before, pool.readyPids(), "the serving workers were not touched");
        assertServes();
    }

    @Test
    void HUP_switches_to_an_image_written_by_another_checkpoint_and_a_crash_before_it_restores_the_pinned_one() throws Exception {
        pool = Pool.start(work, image, socket, "--workers", "2");
        pool.thaw().awaitLine("all 2 workers ready", Duration.ofSeconds(60));
        Set<Long> before = pool.awaitReady(2, Set.of(), Duration.ofSeconds(10));
        String servedCreatedAt = manifest().path("createdAt").asText();

        ThawProcess.Result r = checkpoint(true);
        assertEquals(0, r.exitCode(), r.output());
        long victim = before.iterator().next();
        Pool.signal("KILL", victim); // restored from the image the pool serves, not the one just written
        Set<Long> afterCrash = pool.awaitReady(2, Set.of(victim), Duration.ofSeconds(30));
        assertTrue(pool.thaw().output().lines().noneMatch(l -> l.contains("failed to boot")), pool.thaw().output());

        pool.signal("HUP");
        pool.thaw().awaitLine("received SIGHUP: new image in .*: workers are rolled onto it", Duration.ofSeconds(30));
        pool.awaitReady(2, afterCrash, Duration.ofSeconds(60));
        assertTrue(!servedCreatedAt.equals(manifest().path("createdAt").asText()));
        assertServes();
    }

    /**
     * HUP onto a new image that verifies but whose workers die at restore: the replacements fail with
     * backoff, the roll stops with one clear line, the old workers were never touched, and the pool
     * restores from the old image again (a crash restart proves it).
     */
    @Test
    void a_new_image_whose_workers_cannot_boot_is_rolled_back_while_the_old_workers_keep_serving() throws Exception {
        Path copy = work.resolve("rolled-back"); // the other tests keep the good image
        TempFiles.copyDirectory(image, copy);
        pool = Pool.start(work, copy, socket, "--workers", "2", "--max-boot-failures", "3");
        pool.thaw().awaitLine("all 2 workers ready", Duration.ofSeconds(60));
        Set<Long> before = pool.awaitReady(2, Set.of(), Duration.ofSeconds(10));
        long generation = manifest().path("generation").asLong();
        ThawProcess.Result broken = ThawProcess.run(work, Map.of(), Duration.ofMinutes(3), "checkpoint", "--image", copy.toString(),
                "--force", "--private-network", "--warmup-requests=1", "--warmup-url", "http://127.0.0.1:" + port + "/",
                "--", Environment.JAVA.toString(), "-Xmx64m", "-cp", Offenders.classPath(dev.thaw.it.apps.CrashOnRestoreApp.class),
                dev.thaw.it.apps.CrashOnRestoreApp.class.getName(), Integer.toString(port));
        assertEquals(0, broken.exitCode(), broken.output());
        try (Load load = new Load(port, "/items/7", 2, Duration.ofSeconds(120))) {
            pool.signal("HUP");
            pool.thaw().awaitLine("failed to boot 3 times in a row from generation \\d+ .*: the roll stopped; 2 workers keep serving,"
                    + " and the pool restores from generation " + generation + " again: fix the new image, then send HUP",
                    Duration.ofSeconds(90));
            assertEquals(before, pool.awaitReady(2, Set.of(), Duration.ofSeconds(10)), "the old workers were never touched");
            assertTrue(pool.thaw().process().isAlive(), pool.thaw().output());
            long victim = before.iterator().next();
            Pool.signal("KILL", victim); // its replacement comes from the image the pool rolled back to
            pool.awaitReady(2, Set.of(victim), Duration.ofSeconds(30));
            load.close();
            assertTrue(load.failed() <= 2, "only requests on the killed worker may fail: " + load.report());
        }
        assertServes();
        assertEquals(generation, JSON.readTree(Http.get(port, "/whoami").body()).path("generation").asLong());
    }
}
