package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.thaw.testkit.FreePort;
import dev.thaw.it.apps.UniquenessApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Workers restored from one image must not share random state or the leader's environment: 2 workers
 * each print fresh draws from every kind of randomness the leader used before the checkpoint, and the
 * environment variable GREETING, which changed between the checkpoint and the run, and a system property
 * given to 'thaw run'.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UniquenessEndToEndTest {
    private static final Duration BOUND = Duration.ofMinutes(3);
    private static final Pattern UNIQUE = Pattern.compile("^worker=(\\d+) \\| unique (.*)$");

    private Path work;
    private final Map<String, Map<String, String>> byWorker = new TreeMap<>();

    @BeforeAll
    void checkpointThenRestoreTwoWorkers() throws Exception {
        work = Files.createTempDirectory("thaw-it-unique-");
        Environment.requireCriu();
        int port = FreePort.pick();
        ThawProcess.Result checkpoint = ThawProcess.run(work, Map.of("GREETING", "from-the-leader"), BOUND,
                "checkpoint", "--image", work.resolve("image").toString(),
                "--warmup-url", "http://127.0.0.1:" + port + "/ready", "--warmup-requests", "1", "--",
                Environment.JAVA.toString(), "-Xmx128m", "-cp", Offenders.classPath(UniquenessApp.class),
                UniquenessApp.class.getName(), Integer.toString(port));
        assertEquals(0, checkpoint.exitCode(), checkpoint.output());

        try (ThawProcess pool = ThawProcess.start(work, Map.of("GREETING", "rotated-after-the-checkpoint"), "run",
                "--image", work.resolve("image").toString(), "--workers", "2", "--socket", work.resolve("thaw.sock").toString(),
                "--property", "greeting.prop=given-at-restore")) {
            pool.awaitLine("^worker=0 \\| unique ", BOUND);
            pool.awaitLine("^worker=1 \\| unique ", BOUND);
            for (String line : pool.output().lines().toList()) {
                Matcher m = UNIQUE.matcher(line);
                if (m.matches()) {
                    byWorker.put(m.group(1), fields(m.group(2)));
                }
            }
            pool.stop(Duration.ofSeconds(60));
        }
    }

    @AfterAll
    void cleanUp() throws Exception {
        TempFiles.delete(work);
    }

    @Test
    void random_uuid_and_token_outputs_differ_between_workers() {
        assertEquals(2, byWorker.size(), byWorker.toString());
        Map<String, String> w0 = byWorker.get("0");
        Map<String, String> w1 = byWorker.get("1");
        for (String source : List.of("sha1", "drbg", "native", "default", "token", "uuid", "tlr", "math")) {
            assertNotEquals(w0.get(source), w1.get(source), source + " is the same in both workers: " + byWorker);
        }
    }

    @Test
    void a_changed_environment_variable_reaches_each_restored_worker() {
        assertEquals(2, byWorker.size(), byWorker.toString());
        for (Map<String, String> worker : byWorker.values()) {
            assertEquals("rotated-after-the-checkpoint", worker.get("GREETING"), "System.getenv in " + worker);
        }
    }

    @Test
    void a_system_property_given_at_restore_reaches_each_restored_worker() {
        assertEquals(2, byWorker.size(), byWorker.toString());
        for (Map<String, String> worker : byWorker.values()) {
            assertEquals("given-at-restore", worker.get("prop"), "System.getProperty in " + worker);
        }
    }

    private static Map<String, String> fields(String text) {
        Map<String, String> out = new HashMap<>();
        for (String word : text.split(" ")) {
            int eq = word.indexOf('=');
            out.put(word.substring(0, eq), word.substring(eq + 1));
        }
        return out;
    }
}
