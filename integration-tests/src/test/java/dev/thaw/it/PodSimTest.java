package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * scripts/pod-sim: the pod of deploy/k8s run on this machine as a kubelet would run it, with the
 * manifest's commands, environment, ConfigMap, volumes and capabilities (docs/kubernetes.md).
 */
class PodSimTest {
    /** Checkpoint of a 64 MB dataset, two rolls and a stop take about 40 s here; pod-sim's own deadline is below this. */
    private static final Duration BOUND = Duration.ofMinutes(8);

    @Test
    void the_pod_checkpoints_restores_answers_its_probes_rolls_its_workers_on_HUP_and_stops_within_its_grace_period() throws Exception {
        Environment.requireCriu();
        ProcessBuilder pb = new ProcessBuilder(Environment.REPO.resolve("scripts/pod-sim").toString()).redirectErrorStream(true);
        pb.environment().put("POD_SIM_DEADLINE", Long.toString(BOUND.minusMinutes(1).toSeconds()));
        Process sim = pb.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread pump = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                    System.out.println(line);
                }
            } catch (java.io.IOException ignored) {
                // pod-sim is gone
            }
        });
        try {
            assertTrue(sim.waitFor(BOUND.toMillis(), TimeUnit.MILLISECONDS), "pod-sim did not finish within " + BOUND);
            pump.join(5000);
            String output = String.join("\n", lines);
            assertEquals(0, sim.exitValue(), output);
            assertTrue(has(lines, "pod-sim: readiness probe GET /readyz on port 9191: 200"), output);
            assertTrue(has(lines, "pod-sim: liveness probe GET /healthz on port 9191: 200"), output);
            assertTrue(has(lines, "pod-sim: kill -HUP 1: every worker replaced"), output);
            assertTrue(has(lines, "pod-sim: thaw reload: every worker replaced"), output);
            assertEquals(2, lines.stream().filter(l -> l.contains("every worker replaced") && l.contains(" 0 failed; readiness probe failed 0 of")).count(),
                    "both rolls without a failed request or a failed readiness probe:\n" + output);
            assertTrue(has(lines, "pod-sim: terminated: exit 0"), output);
            assertTrue(has(lines, "pod-sim: ok:"), output);
        } finally {
            if (sim.isAlive()) {
                sim.descendants().forEach(ProcessHandle::destroyForcibly);
                sim.destroyForcibly();
            }
        }
    }

    private static boolean has(List<String> lines, String prefix) {
        return lines.stream().anyMatch(l -> l.startsWith(prefix));
    }
}
