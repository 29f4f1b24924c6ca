package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.FreePort;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The spine, for real: the sample app (Jetty, a warmed dataset, a HikariCP pool to a real
 * PostgreSQL server) is checkpointed once and 3 workers are restored from the image concurrently.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SampleAppEndToEndTest {
    private static final int WORKERS = 3;
    private static final Duration BOUND = Duration.ofSeconds(90);

    /** Made in @BeforeAll: JUnit injects @TempDir fields too late for a PER_CLASS @BeforeAll. */
    private Path work;
    private PostgresServer postgres;
    private int port;
    private ThawProcess.Result checkpoint;
    private ThawProcess pool;
    private final Map<String, JsonNode> whoamiByWorker = new TreeMap<>();
    private final Map<String, JsonNode> dbByWorker = new TreeMap<>();
    private final Map<String, JsonNode> quoteByWorker = new TreeMap<>();
    private final List<String> workerCommandLines = new ArrayList<>();
    private int stopExitCode = -1;
    private int connectionsAfterStop = -1;

    @BeforeAll
    void checkpointOnceAndRestoreThreeWorkers() throws Exception {
        work = Files.createTempDirectory("thaw-it-");
        Environment.requireCriu();
        postgres = PostgresServer.start();
        port = FreePort.pick();
        String base = "http://127.0.0.1:" + port;
        checkpoint = ThawProcess.run(work, Map.of(), Duration.ofMinutes(5), "checkpoint", "--image", work.resolve("image").toString(),
                "--warmup-url", base + "/health", "--warmup-url", base + "/search?q=blue", "--warmup-url", base + "/db",
                "--warmup-requests", "300", "--warmup-jit-wait", "15", "--",
                Environment.JAVA.toString(), "-Xmx512m", "-Dsample.port=" + port, "-Dsample.dataset.mb=40",
                "-Dsample.db.url=" + postgres.jdbcUrl(), "-Dsample.db.user=thaw", "-jar", Environment.SAMPLE_JAR.toString());
        assertEquals(0, checkpoint.exitCode(), "checkpoint failed:\n" + checkpoint.output());

        pool = ThawProcess.start(work, Map.of(), "run", "--image", work.resolve("image").toString(), "--workers", Integer.toString(WORKERS));
        pool.awaitLine("all " + WORKERS + " workers ready", BOUND);
        Matcher ready = Pattern.compile("^thaw: worker=\\d+ gen=1 pid=(\\d+) ready", Pattern.MULTILINE).matcher(pool.output());
        while (ready.find()) {
            workerCommandLines.add(Files.readString(Path.of("/proc", ready.group(1), "cmdline")).replace('\0', ' '));
        }
        collectFromEveryWorker("/whoami", whoamiByWorker);
        collectFromEveryWorker("/db", dbByWorker);
        collectFromEveryWorker("/quote", quoteByWorker);
        stopExitCode = pool.stop(Duration.ofSeconds(60));
        connectionsAfterStop = postgres.awaitNoClientConnections();
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (pool != null) {
            pool.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        TempFiles.delete(work);
    }

    private void collectFromEveryWorker(String path, Map<String, JsonNode> byWorker) throws Exception {
        EveryWorker.collect(port, path, WORKERS, byWorker);
    }

    @Test
    void checkpoint_shows_progress_leader_start_warmup_dump_and_image_size() {
        String out = checkpoint.output();
        assertTrue(out.contains("thaw: leader starting:"), out);
        assertTrue(out.contains("thaw: leader answered 200 after"), out);
        assertTrue(out.contains("thaw: warm-up 30/300"), out);
        assertTrue(out.contains("thaw: warm-up 300/300"), out);
        // --warmup-jit-wait: more rounds of warm-up, each one answered, until the leader's compilers are quiet or 15 s passed
        assertTrue(out.matches("(?s).*thaw: warm-up: the JIT (has settled after |is still compiling after --warmup-jit-wait 15 s \\()"
                + "[1-9]\\d* round\\(s\\), [1-9]\\d* more requests; the JIT's compilers used \\d+ ms of CPU in the last \\d+ ms.*"), out);
        assertTrue(out.contains("thaw: dumping leader pid"), out);
        assertTrue(out.matches("(?s).*thaw: image written: .* \\([0-9.]+ MiB, dumped in [0-9.]+ s\\).*"), out);
    }

    @Test
    void three_restored_workers_answer_on_one_port_each_with_its_own_worker_id() {
        assertEquals(Set.of("0", "1", "2"), whoamiByWorker.keySet(), "workers seen: " + whoamiByWorker);
        for (int w = 0; w < WORKERS; w++) {
            assertEquals(1, pool.count("^thaw: worker=" + w + " gen=1 pid=\\d+ ready in \\d+ ms$"), pool.output());
        }
    }

    @Test
    void the_checkpoint_is_rehearsed_in_the_leader_and_warmed_up_again_before_the_dump() {
        String out = checkpoint.output();
        int rehearsal = out.indexOf("thaw: rehearsal: beforeCheckpoint once");
        int afterRestore = out.indexOf("leader | sample: afterRestore");
        int warmedAgain = out.indexOf("(its afterRestore after the rehearsal)");
        int dump = out.indexOf("thaw: dumping leader");
        assertTrue(0 <= rehearsal && rehearsal < afterRestore && afterRestore < warmedAgain && warmedAgain < dump, out);
    }

    @Test
    void every_worker_runs_the_leaders_jit_and_young_generation_options_before_the_apps_own() {
        assertEquals(WORKERS, workerCommandLines.size(), pool.output());
        for (String cmdline : workerCommandLines) {
            // a restored JVM is the leader: its command line, and so its flags, are those thaw started the leader with
            int limit = cmdline.indexOf(" -XX:PerMethodTrapLimit=0 ");
            assertTrue(limit > 0 && cmdline.contains(" -XX:PerMethodSpecTrapLimit=0 "), cmdline);
            assertTrue(limit < cmdline.indexOf(" -Xmx512m "), "thaw's options come first, so that the app's win: " + cmdline);
            int young = cmdline.indexOf(" -XX:MaxNewSize=64m "); // --young-gen-max's default: the app leaves it to the JVM
            assertTrue(young > 0 && young < cmdline.indexOf(" -Xmx512m "), cmdline);
        }
    }

    @Test
    void the_warmed_dataset_is_restored_not_rebuilt() {
        List<String> builtAt = new ArrayList<>();
        for (JsonNode w : whoamiByWorker.values()) {
            assertEquals(1, w.path("datasetBuilds").asInt(), w.toString());
            assertTrue(w.path("datasetItems").asInt() > 0, w.toString());
            builtAt.add(w.path("datasetBuiltAt").asText());
        }
        assertEquals(1, builtAt.stream().distinct().count(), "every worker holds the leader's dataset: " + builtAt);
        assertEquals(0, pool.count("^worker=\\d+ \\| .*building dataset"), pool.output());
    }

    @Test
    void afterRestore_ran_once_in_the_leaders_rehearsal_and_once_in_every_worker() {
        for (Map.Entry<String, JsonNode> e : whoamiByWorker.entrySet()) {
            assertEquals(2, e.getValue().path("afterRestoreCalls").asInt(), "worker " + e.getKey() + ": " + e.getValue());
            assertEquals("1", e.getValue().path("generation").asText(), e.getValue().toString());
        }
    }

    @Test
    void the_postgresql_pool_works_in_every_worker() {
        assertEquals(Set.of("0", "1", "2"), dbByWorker.keySet(), "workers that served /db: " + dbByWorker);
        for (JsonNode db : dbByWorker.values()) {
            assertTrue(db.path("ok").asBoolean(), db.toString());
            assertTrue(db.path("visits").asLong() > 0, db.toString());
        }
    }

    @Test
    void the_outbound_http_client_is_rebuilt_and_works_in_every_worker() {
        assertEquals(Set.of("0", "1", "2"), quoteByWorker.keySet(), "workers that served /quote: " + quoteByWorker);
    }

    @Test
    void TERM_stops_every_worker_and_leaves_no_database_connection() {
        assertEquals(0, stopExitCode, pool.output());
        assertTrue(pool.output().contains("thaw: all workers stopped"), pool.output());
        assertEquals(0, connectionsAfterStop, "client connections left on PostgreSQL");
    }

    @Test
    void inspect_shows_the_manifest_and_verifies_the_image() throws Exception {
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), Duration.ofSeconds(60), "inspect", "--verify", work.resolve("image").toString());
        assertEquals(0, r.exitCode(), r.output());
        String out = r.output();
        assertTrue(out.contains("generation   1"), out);
        assertTrue(out.contains("thaw-sample-app.jar"), out);
        assertTrue(out.contains("ms to first HTTP 200"), out);
        assertTrue(out.contains("verified"), out);
        assertTrue(Files.isRegularFile(work.resolve("image/manifest.json")));
    }
}
