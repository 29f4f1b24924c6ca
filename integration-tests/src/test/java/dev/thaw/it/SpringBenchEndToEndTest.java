package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thaw.testkit.FreePort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code thaw bench} on the Spring Boot sample as it is: Tomcat, no reuse-port setting of its own (issue 17, item 4). In its
 * quickest honest configuration (one run per mode, 2 workers, no AOT cache, no pool, no image economy, short load phases)
 * it must complete every scenario: the 2 cold JVMs of the memory phase and the 2 workers restored at once share the app's
 * port through thaw's reuse-port option, which the bench gives them. Its report must show, for each restore mode, the first
 * second's throughput next to the steady state's, and what that second cost (collections from -Xlog:gc, page faults and
 * CPU from the worker's own /proc counters).
 */
class SpringBenchEndToEndTest {
    @Test
    void thaw_bench_completes_on_the_unchanged_spring_sample_and_reports_each_modes_first_second() throws Exception {
        Environment.requireCriu();
        assertTrue(Files.isRegularFile(Environment.SPRING_JAR), "build the spring-sample module first: " + Environment.SPRING_JAR);
        Path work = Files.createTempDirectory("thaw-spring-bench-");
        Path out = work.resolve("out");
        int port = FreePort.pick();
        String base = "http://127.0.0.1:" + port;
        ThawProcess.Result bench;
        try (PostgresServer postgres = PostgresServer.start()) {
            bench = ThawProcess.run(work, Map.of(), Duration.ofMinutes(4), "bench", "--out", out.toString(), "--url", base + "/health",
                    "--runs", "1", "--workers", "2", "--no-aot", "--pool-workers", "0", "--economy-runs", "0", "--steady-seconds", "1",
                    "--ksm-wait", "5", "--warmup-requests", "200", "--",
                    Environment.JAVA.toString(), "-Xmx256m", "-XX:+UseSerialGC", "-Dserver.port=" + port,
                    "-Dspring.datasource.url=" + postgres.jdbcUrl(), "-jar", Environment.SPRING_JAR.toString());
        }
        assertEquals(0, bench.exitCode(), "thaw bench failed or some scenario failed:\n" + bench.output());

        JsonNode json = new ObjectMapper().readTree(out.resolve("bench.json").toFile());
        assertTrue(json.path("failures").isEmpty(), json.path("failures").toString());
        assertTrue(json.path("settings").path("reusePort").asBoolean(), "the bench's default: thaw's reuse-port option");
        int restoredModes = 0;
        for (JsonNode startup : json.path("startup")) {
            String mode = startup.path("mode").asText();
            assertTrue(startup.path("firstSecond").path("requestsPerSecond").asDouble() > 0, mode + ": first second");
            assertTrue(startup.path("steady").path("requestsPerSecond").asDouble() > 0, mode + ": steady state");
            JsonNode cost = startup.path("cost");
            assertEquals(1, cost.path("runs").asInt(), mode + ": " + cost);
            assertTrue(cost.path("minorFaults").asDouble() > 0, mode + ": the JVM's own fault counters: " + cost);
            assertTrue(cost.path("cpuMillis").asDouble() > 0, mode + ": " + cost);
            assertTrue(cost.path("gcs").asDouble() >= 0 && cost.path("steadyGcsPerSecond").asDouble() >= 0, mode + ": " + cost);
            if (mode.startsWith("RESTORED")) {
                restoredModes++;
            }
        }
        assertTrue(restoredModes >= 1, "no restore mode measured: " + json.path("startup"));
        assertTrue(json.path("memory").toString().contains("COLD_JVMS"), "2 cold JVMs on one port: " + json.path("memory"));
        String notes = json.path("notes").toString();
        assertTrue(notes.contains("shared the app's port through thaw's reuse-port option"), notes);
        assertTrue(notes.contains("Measured (-Xlog:gc of the leader)"), "the leader's heap shrink, from its GC log: " + notes);

        String md = Files.readString(out.resolve("bench.md"));
        for (String part : new String[] {"### First second of traffic", "first s: req/s", "steady: req/s", "first s: GCs",
                "heap committed after them", "minor faults", "major faults", "cold JVM", "restored (copy)"}) {
            assertTrue(md.contains(part), "bench.md has no '" + part + "':\n" + md);
        }
        assertTrue(md.contains("workers were faster than cold JVMs in their first second")
                || md.contains("workers were not faster than cold JVMs in their first second**"), md);
        assertFalse(md.contains("Scenarios that failed"), md);
    }
}
