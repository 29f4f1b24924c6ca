package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.Http;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * --refork-after: a worker that served the first threshold of requests is checkpointed while it runs
 * and becomes the next generation's image; the other workers are restored from it. A refork that
 * fails leaves the pool serving the old generation, with every worker it had.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SampleAppImageExtension.class)
class ReforkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int THRESHOLD = 150;

    private Path work;
    private Path image;
    private Path socket;
    private int port;
    private Pool pool;
    private Path tmpfs;

    @BeforeAll
    void copyFromTheSharedSampleAppImage(SampleAppImage shared) throws Exception {
        work = Files.createTempDirectory("thaw-refork-");
        image = shared.dir(); // never served itself: each test serves its own copy
        socket = work.resolve("pool.sock");
        port = shared.port();
        assertEquals("leader", manifest(image).path("madeFrom").asText());
    }

    @AfterEach
    void stopPool() throws Exception {
        if (pool != null) {
            pool.close();
            pool = null;
        }
        if (tmpfs != null) {
            new ProcessBuilder("umount", "-l", tmpfs.toString()).inheritIO().start().waitFor();
            tmpfs = null;
        }
    }

    @AfterAll
    void removeWork() throws Exception {
        TempFiles.delete(work);
    }

    @Test
    void a_worker_past_the_first_threshold_becomes_generation_2_and_the_other_workers_are_restored_from_it() throws Exception {
        Path served = work.resolve("served");
        TempFiles.copyDirectory(image, served); // its own copy: a refork replaces the image it serves
        long generation = manifest(served).path("generation").asLong();
        // The second generation's threshold is out of reach: this test looks at exactly one refork.
        pool = Pool.start(work, served, socket, "--workers", "2", "--refork-after", THRESHOLD + ",1000000");
        pool.thaw().awaitLine("all 2 workers ready", Duration.ofSeconds(60));
        Set<Long> before = pool.awaitReady(2, Set.of(), Duration.ofSeconds(10));
        // Churn first: replaced workers are where a guessed PID used to go wrong, and a refork dumps by PID.
        for (int i = 0; i < 5; i++) {
            long victim = before.iterator().next();
            WorkerPids.requireJava(victim, pool);
            Pool.signal("KILL", victim);
            before = pool.awaitReady(2, Set.of(victim), Duration.ofSeconds(30));
        }
        long mold;
        try (Load load = new Load(port, "/items/7", 2, Duration.ofSeconds(120))) {
            Matcher m = pool.thaw().awaitLine("worker=\\d+ gen=" + generation + " pid=(\\d+) served (\\d+) requests: reforking it into generation "
                    + (generation + 1), Duration.ofSeconds(90));
            mold = Long.parseLong(m.group(1));
            assertTrue(Long.parseLong(m.group(2)) >= THRESHOLD, m.group());
            pool.thaw().awaitLine("refork: generation " + (generation + 1) + " made from worker \\d+ of generation " + generation,
                    Duration.ofSeconds(60));
            pool.thaw().awaitLine("pid=" + mold + " serves again", Duration.ofSeconds(60));
            Set<Long> others = new HashSet<>(before);
            others.remove(mold);
            Set<Long> after = pool.awaitReady(2, others, Duration.ofSeconds(60));
            assertTrue(after.contains(mold), "the reforked worker kept serving in place: " + after + "\n" + pool.thaw().output());
            Thread.sleep(500);
            load.close();
            System.out.println("refork under load: " + load.report());
            assertEquals(0, load.failed(), load.report());
        }

        JsonNode written = manifest(served);
        assertEquals(generation + 1, written.path("generation").asLong());
        // The manifest names the process that was dumped; it still serves, so the kernel can confirm it.
        assertTrue(written.path("madeFrom").asText().matches("worker \\d+ of generation " + generation + " after \\d+ requests, pid "
                + mold + " \\(started at tick " + WorkerPids.startTicks(mold) + "\\)"), written.path("madeFrom").asText());
        JsonNode status = pool.status();
        assertEquals(generation + 1, status.path("imageGeneration").asLong(), status.toString());
        assertEquals(1, status.path("reforks").asInt(), status.toString());
        for (JsonNode w : status.path("workers")) {
            assertEquals(generation + 1, w.path("generation").asLong(), status.toString());
        }

        // A worker restored from now on comes from the reforked worker's memory: the leader ran afterRestore
        // once (its checkpoint's rehearsal), the worker once more, so every generation-2 JVM has run it three times.
        long victim = pool.readyPids().stream().filter(p -> p != mold).findFirst().orElseThrow();
        Pool.signal("KILL", victim);
        pool.awaitReady(2, Set.of(victim), Duration.ofSeconds(30));
        Map<String, JsonNode> byWorker = whoamiOfEveryWorker(2);
        for (JsonNode who : byWorker.values()) {
            assertEquals(generation + 1, who.path("generation").asLong(), who.toString());
            assertEquals(3, who.path("afterRestoreCalls").asInt(), who.toString());
            assertEquals(1, who.path("datasetBuilds").asInt(), "the dataset was built once, by the leader: " + who);
        }

        // Generation 2 stands alone: the pool's pins of generation 1, whose page files its mapped workers
        // (--restore-mode map, the default where CRIU can) were made from, go with the pool.
        pool.signal("TERM");
        pool.thaw().process().onExit().get(90, java.util.concurrent.TimeUnit.SECONDS);
        pool.close();
        pool = null;
        try (var siblings = Files.list(work)) {
            assertEquals(List.of(), siblings.filter(p -> p.getFileName().toString().startsWith(".served.pin-")).toList());
        }
        pool = Pool.start(work, served, socket, "--workers", "1");
        pool.thaw().awaitLine("all 1 workers ready", Duration.ofSeconds(60));
        assertEquals(generation + 1, whoamiOfEveryWorker(1).values().iterator().next().path("generation").asLong());
    }

    @Test
    void a_refork_that_cannot_write_its_image_leaves_the_pool_serving_the_old_generation_with_every_worker() throws Exception {
        // The image on a file system with room for it and little more: the refork's dump cannot fit.
        tmpfs = work.resolve("small-fs");
        Files.createDirectories(tmpfs);
        long imageMiB = manifest(image).path("imageBytes").asLong() >> 20;
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + (imageMiB + 12) + "m", "tmpfs", tmpfs.toString())
                .inheritIO().start();
        assertEquals(0, mount.waitFor(), "mount tmpfs");
        Path served = tmpfs.resolve("image");
        TempFiles.copyDirectory(image, served); // its own copy: a refork replaces the image it serves
        String createdAt = manifest(served).path("createdAt").asText();
        long generation = manifest(served).path("generation").asLong();

        pool = Pool.start(work, served, socket, "--workers", "2", "--refork-after", Integer.toString(THRESHOLD));
        pool.thaw().awaitLine("all 2 workers ready", Duration.ofSeconds(60));
        Set<Long> before = pool.awaitReady(2, Set.of(), Duration.ofSeconds(10));
        try (Load load = new Load(port, "/items/7", 2, Duration.ofSeconds(120))) {
            Matcher failed = pool.thaw().awaitLine("refork of worker=\\d+ gen=" + generation + " pid=(\\d+) failed: not enough disk space.*: generation "
                    + generation + " keeps serving", Duration.ofSeconds(90));
            long mold = Long.parseLong(failed.group(1));
            pool.thaw().awaitLine("worker=\\d+ gen=" + generation + " pid=" + mold + " serves again", Duration.ofSeconds(60));
            assertEquals(before, pool.awaitReady(2, Set.of(), Duration.ofSeconds(10)), "the same two workers serve");
            Thread.sleep(500);
            load.close();
            System.out.println("failed refork under load: " + load.report());
            assertEquals(0, load.failed(), load.report());
        }
        JsonNode status = pool.status();
        assertEquals(generation, status.path("imageGeneration").asLong(), status.toString());
        assertEquals(0, status.path("reforks").asInt(), status.toString());
        assertEquals(createdAt, manifest(served).path("createdAt").asText(), "the served image was not replaced");
        try (Stream<Path> left = Files.list(tmpfs)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains("staging")), "the half-written image was removed");
        }
        for (JsonNode who : whoamiOfEveryWorker(2).values()) {
            assertEquals(generation, who.path("generation").asLong(), who.toString());
        }
    }

    /** Asks /whoami until every one of {@code n} workers answered (bounded), keyed by worker id. */
    private Map<String, JsonNode> whoamiOfEveryWorker(int n) throws Exception {
        Map<String, JsonNode> byWorker = new HashMap<>();
        for (int i = 0; i < 400 && byWorker.size() < n; i++) {
            Http.Response r = Http.get(port, "/whoami");
            assertEquals(200, r.status(), r.body());
            JsonNode who = JSON.readTree(r.body());
            byWorker.put(who.path("worker").asText(), who);
        }
        assertEquals(n, byWorker.size(), "answers came from " + byWorker.keySet() + "\n" + pool.thaw().output());
        return byWorker;
    }

    private static JsonNode manifest(Path dir) throws Exception {
        return JSON.readTree(dir.resolve("manifest.json").toFile());
    }
}
