package dev.thaw.it;

import dev.thaw.testkit.Http;
import com.fasterxml.jackson.databind.JsonNode;
import dev.thaw.host.HostProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks the worker PIDs that {@code thaw status} reports against the kernel and against the workers
 * themselves: a PID thaw acts on (signals, memory, refork dumps) must be the worker's own JVM.
 */
final class WorkerPids {
    private WorkerPids() {
    }

    /** Every ready worker in thaw status is a live java process, the JVM answering as that worker (same PID namespace,
     * same PID inside it), measured by /metrics. */
    static void check(Pool pool, int appPort, int httpPort) throws Exception {
        Map<Integer, Long> statusPids = new HashMap<>();
        for (JsonNode w : pool.status().path("workers")) {
            if ("ready".equals(w.path("state").asText())) {
                statusPids.put(w.path("worker").asInt(), w.path("pid").asLong());
            }
        }
        Map<Integer, JsonNode> whoami = whoamiOfEachWorker(appPort, statusPids.size(), pool);
        PrometheusScrape metrics = PrometheusScrape.parse(Http.get(httpPort, "/metrics").body());
        for (Map.Entry<Integer, Long> e : statusPids.entrySet()) {
            int worker = e.getKey();
            long pid = e.getValue();
            requireJava(pid, pool);
            JsonNode me = whoami.get(worker);
            if (me == null) {
                continue; // replaced between status and /whoami: its successor is checked next round
            }
            if (!pidNamespace(pid).equals(me.path("pidNamespace").asText()) || nsPid(pid) != me.path("pid").asLong()) {
                throw new AssertionError("thaw status says worker=" + worker + " is pid " + pid + " (" + pidNamespace(pid)
                        + ", pid inside " + nsPid(pid) + "), but that worker answers as " + me + "\n" + pool.thaw().output());
            }
            double rss = metrics.value("thaw_worker_rss_bytes", Map.of("worker", Integer.toString(worker), "pid", Long.toString(pid)));
            long actual = rssBytes(pid);
            if (rss < 16 << 20 || rss > actual * 2 + (64 << 20)) {
                throw new AssertionError("/metrics says worker=" + worker + " pid " + pid + " has " + rss + " bytes resident, the kernel "
                        + actual + "\n" + pool.thaw().output());
            }
        }
    }

    /** Fails, with thaw's output, unless {@code pid} is a live java process. */
    static void requireJava(long pid, Pool pool) throws IOException {
        Path exe = Path.of("/proc", Long.toString(pid), "exe");
        String target;
        try {
            target = Files.readSymbolicLink(exe).toString();
        } catch (IOException e) {
            throw new AssertionError("thaw reports pid " + pid + " as a ready worker, but no such process exists\n" + pool.thaw().output());
        }
        if (!target.endsWith("/java")) {
            throw new AssertionError("thaw reports pid " + pid + " as a ready worker, but it runs " + target + "\n" + pool.thaw().output());
        }
    }

    private static Map<Integer, JsonNode> whoamiOfEachWorker(int port, int workers, Pool pool) throws Exception {
        Map<Integer, JsonNode> seen = new HashMap<>();
        for (int i = 0; i < 200 && seen.size() < workers; i++) {
            Http.Response r = Http.get(port, "/whoami");
            if (r.status() == 200) {
                JsonNode me = r.json();
                seen.put(me.path("worker").asInt(), me);
            }
        }
        return seen;
    }

    /** The start time the kernel gives the process (what thaw records with a PID). */
    static long startTicks(long pid) {
        return HostProcess.of(pid).orElseThrow(() -> new AssertionError("no process " + pid)).startTicks();
    }

    private static String pidNamespace(long pid) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "pid")).toString();
    }

    private static long nsPid(long pid) throws IOException {
        return new HostProcess(pid, 0).pidInNamespace();
    }

    private static long rssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }
}
