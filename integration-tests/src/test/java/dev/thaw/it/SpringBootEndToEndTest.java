package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.Http;
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
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A Spring Boot fat jar, unchanged and without org.crac, under real CRIU: checkpointed after warm-up
 * and restored as 2 workers sharing one port (Tomcat has no reuse-port setting: the agent's
 * -Dthaw.reuse-port gives it one). Spring's own lifecycle stops Tomcat before the checkpoint and starts
 * it after each restore, and Spring Boot suspends and refills HikariCP, because thaw's agent makes
 * org.crac visible. Then the same jar with -Dspring.context.checkpoint=onRefresh, where the app asks for
 * the checkpoint itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpringBootEndToEndTest {
    private static final int WORKERS = 2;
    private static final Set<String> ALL = Set.of("0", "1");
    private static final Duration BOUND = Duration.ofSeconds(120);

    private Path work;
    private PostgresServer postgres;

    private ThawProcess.Result warmedCheckpoint;
    private final Set<Integer> leaderBackends = new ConcurrentSkipListSet<>();
    private Set<Integer> backendsAfterCheckpoint;
    private Set<Integer> backendsWhileServing;
    private String warmedPoolOutput;
    private final Map<String, JsonNode> whoami = new TreeMap<>();
    private final Map<String, JsonNode> db = new TreeMap<>();
    private int warmedStopExitCode = -1;
    private int connectionsAfterStop = -1;

    private ThawProcess.Result withoutReusePort;

    private ThawProcess.Result onRefreshCheckpoint;
    private String onRefreshPoolOutput;
    private final Map<String, JsonNode> onRefreshDb = new TreeMap<>();

    @BeforeAll
    void checkpointAndRestoreTheSpringBootJarTwice() throws Exception {
        work = Files.createTempDirectory("thaw-spring-");
        Environment.requireCriu();
        assertTrue(Files.isRegularFile(Environment.SPRING_JAR), "build the spring-sample module first: " + Environment.SPRING_JAR);
        postgres = PostgresServer.start();
        warmedUpByThaw();
        checkpointedByTheAppOnRefresh();
        restoredWithoutTheReusePortOption();
    }

    /** The mistake a new user makes: Tomcat binds without SO_REUSEPORT, so only one worker gets the port. */
    private void restoredWithoutTheReusePortOption() throws Exception {
        int port = FreePort.pick();
        ThawProcess.Result made = ThawProcess.run(work, Map.of(), Duration.ofMinutes(4), "checkpoint", "--image",
                work.resolve("no-reuse-port").toString(), "--warmup-url", "http://127.0.0.1:" + port + "/health",
                "--warmup-requests", "20", "--", Environment.JAVA.toString(), "-Xmx256m", "-XX:+UseSerialGC", "-Dserver.port=" + port,
                "-Dspring.datasource.url=" + postgres.jdbcUrl(), "-jar", Environment.SPRING_JAR.toString());
        assertEquals(0, made.exitCode(), "checkpoint failed:\n" + made.output());
        withoutReusePort = ThawProcess.run(work, Map.of(), BOUND, "run", "--image", work.resolve("no-reuse-port").toString(),
                "--socket", work.resolve("no-reuse-port.sock").toString(), "--workers", "2", "--max-boot-failures", "2");
    }

    private void warmedUpByThaw() throws Exception {
        int port = FreePort.pick();
        String base = "http://127.0.0.1:" + port;
        Thread watcher = Thread.ofVirtual().start(this::recordLeaderBackends);
        try {
            warmedCheckpoint = ThawProcess.run(work, Map.of(), Duration.ofMinutes(4), "checkpoint", "--image", work.resolve("warmed").toString(),
                    "--warmup-url", base + "/health", "--warmup-url", base + "/db", "--warmup-requests", "200", "--",
                    Environment.JAVA.toString(), "-Xmx256m", "-XX:+UseSerialGC", "-Dthaw.reuse-port=true", "-Dserver.port=" + port,
                    "-Dspring.datasource.url=" + postgres.jdbcUrl(), "-jar", Environment.SPRING_JAR.toString());
        } finally {
            watcher.interrupt();
            watcher.join(5_000);
        }
        assertEquals(0, warmedCheckpoint.exitCode(), "checkpoint failed:\n" + warmedCheckpoint.output());
        backendsAfterCheckpoint = postgres.clientBackendPids();

        try (ThawProcess pool = startPool("warmed")) {
            collect(port, "/whoami", whoami);
            collect(port, "/db", db);
            backendsWhileServing = postgres.clientBackendPids();
            warmedStopExitCode = pool.stop(Duration.ofSeconds(60));
            warmedPoolOutput = pool.output();
        }
        connectionsAfterStop = postgres.awaitNoClientConnections();
    }

    private void checkpointedByTheAppOnRefresh() throws Exception {
        int port = FreePort.pick();
        onRefreshCheckpoint = ThawProcess.run(work, Map.of(), Duration.ofMinutes(4), "checkpoint", "--image", work.resolve("on-refresh").toString(),
                "--", Environment.JAVA.toString(), "-Xmx256m", "-XX:+UseSerialGC", "-Dthaw.reuse-port=true",
                "-Dspring.context.checkpoint=onRefresh", "-Dserver.port=" + port,
                "-Dspring.datasource.url=" + postgres.jdbcUrl(), "-jar", Environment.SPRING_JAR.toString());
        assertEquals(0, onRefreshCheckpoint.exitCode(), "checkpoint failed:\n" + onRefreshCheckpoint.output());
        try (ThawProcess pool = startPool("on-refresh")) {
            // Here thaw hears READY when afterRestore is done, and Spring starts Tomcat just after that,
            // on the thread that asked for the checkpoint: give it a moment to bind.
            awaitFirstAnswer(port, Duration.ofSeconds(30));
            collect(port, "/db", onRefreshDb);
            pool.stop(Duration.ofSeconds(60));
            onRefreshPoolOutput = pool.output();
        }
    }

    private ThawProcess startPool(String image) throws Exception {
        ThawProcess pool = ThawProcess.start(work, Map.of(), "run", "--image", work.resolve(image).toString(),
                "--socket", work.resolve(image + ".sock").toString(), "--workers", Integer.toString(WORKERS));
        pool.awaitLine("all " + WORKERS + " workers ready", BOUND);
        return pool;
    }

    /** Polls pg_stat_activity while the leader runs: HikariCP keeps its connections, so they are all seen. */
    private void recordLeaderBackends() {
        try {
            for (int i = 0; i < 2_400 && !Thread.currentThread().isInterrupted(); i++) {
                leaderBackends.addAll(postgres.clientBackendPids());
                Thread.sleep(100);
            }
        } catch (Exception stopped) {
            // interrupted once the checkpoint is over
        }
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (postgres != null) postgres.close();
        TempFiles.delete(work);
    }

    private static void collect(int port, String path, Map<String, JsonNode> byWorker) throws Exception {
        EveryWorker.collect(port, path, WORKERS, byWorker);
    }

    private static void awaitFirstAnswer(int port, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            try {
                Http.get(port, "/health");
                return;
            } catch (java.net.ConnectException notYet) {
                if (System.nanoTime() > deadline) throw notYet;
                Thread.sleep(50);
            }
        }
    }

    @Test
    void the_jar_is_a_plain_spring_boot_jar_without_org_crac_or_thaw() throws Exception {
        List<String> offending = new ArrayList<>();
        try (ZipFile jar = new ZipFile(Environment.SPRING_JAR.toFile())) {
            jar.stream().map(ZipEntry::getName)
                    .filter(n -> n.contains("org/crac/") || n.startsWith("BOOT-INF/lib/") && (n.contains("crac") || n.contains("thaw-")))
                    .forEach(offending::add);
            assertTrue(jar.stream().anyMatch(e -> e.getName().startsWith("BOOT-INF/lib/spring-boot-")), "a Spring Boot fat jar");
        }
        assertEquals(List.of(), offending);
    }

    @Test
    void two_workers_of_the_spring_boot_app_share_one_port() {
        assertEquals(ALL, whoami.keySet(), "workers seen: " + whoami + "\n" + warmedPoolOutput);
    }

    @Test
    void org_crac_comes_from_thaws_agent() {
        for (JsonNode w : whoami.values()) {
            assertTrue(w.path("orgCracLoader").asText().endsWith("thaw-agent.jar"), w.toString());
        }
    }

    @Test
    void the_context_is_restored_not_restarted_and_spring_restarts_its_lifecycle_in_every_worker() {
        assertEquals(1, whoami.values().stream().map(w -> w.path("contextStartedAt").asLong()).distinct().count(),
                "every worker holds the leader's context: " + whoami);
        String leader = warmedCheckpoint.output();
        assertTrue(leader.contains("GracefulShutdown        : Commencing graceful shutdown"), "Spring stopped Tomcat:\n" + leader);
        assertTrue(leader.contains("Suspending Hikari pool") && leader.contains("Evicting Hikari connections"), leader);
        for (int w = 0; w < WORKERS; w++) {
            for (String line : List.of("Spring-managed lifecycle restart completed", "Tomcat started on port", "Resuming Hikari pool")) {
                assertTrue(warmedPoolOutput.matches("(?s).*worker=" + w + " \\| [^\n]*" + line + ".*"),
                        "worker " + w + " lacks '" + line + "':\n" + warmedPoolOutput);
            }
        }
    }

    @Test
    void hikari_is_emptied_for_the_checkpoint_and_refilled_with_each_workers_own_backends() {
        assertFalse(leaderBackends.isEmpty(), "the leader's pool was seen in pg_stat_activity");
        assertEquals(Set.of(), backendsAfterCheckpoint, "backends still connected after the leader was dumped");
        assertEquals(ALL, db.keySet(), "workers that served /db: " + db);
        Set<Integer> workerBackends = new TreeSet<>();
        for (JsonNode d : db.values()) {
            int backend = d.path("backendPid").asInt();
            assertTrue(backendsWhileServing.contains(backend), "pg_stat_activity " + backendsWhileServing + " lacks " + d);
            assertTrue(workerBackends.add(backend), "two workers on one backend: " + db);
        }
        Set<Integer> shared = new TreeSet<>(backendsWhileServing);
        shared.retainAll(leaderBackends);
        assertEquals(Set.of(), shared, "pg_stat_activity shows a backend the leader opened: " + backendsWhileServing);
    }

    @Test
    void TERM_stops_the_spring_workers_and_leaves_no_database_connection() {
        assertEquals(0, warmedStopExitCode, warmedPoolOutput);
        assertEquals(0, connectionsAfterStop, "client connections left on PostgreSQL");
    }

    @Test
    void without_the_reuse_port_option_thaw_halts_and_names_it() {
        assertEquals(3, withoutReusePort.exitCode(), withoutReusePort.output());
        String error = withoutReusePort.errorLine();
        assertTrue(error.contains("failed to boot 2 times in a row") && error.contains("already in use"), withoutReusePort.output());
        assertTrue(error.contains("add -Dthaw.reuse-port=true to the java command given to 'thaw checkpoint'"), error);
    }

    @Test
    void an_app_that_asks_for_its_own_checkpoint_on_refresh_is_dumped_and_its_workers_serve() {
        String out = onRefreshCheckpoint.output();
        assertTrue(out.contains("thaw: the app asked for its checkpoint"), out);
        assertEquals(ALL, onRefreshDb.keySet(), "workers that served /db: " + onRefreshDb + "\n" + onRefreshPoolOutput);
        assertEquals(2, onRefreshDb.values().stream().map(d -> d.path("backendPid").asInt()).distinct().count(), onRefreshDb.toString());
    }
}
