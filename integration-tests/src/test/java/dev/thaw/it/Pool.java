package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thaw.testkit.Http;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A running 'thaw run' and what tests ask of it: its status, its ready workers, signals. Waiting asks
 * the pool's HTTP endpoint (/status, the same JSON as thaw status --json) from this JVM: polling with
 * 'thaw status' started a JVM every 50 ms, competing for the CPU the tests measure. {@link #status()}
 * still runs the real CLI, which WorkerPids, NewImageTest and ReforkTest read.
 */
final class Pool implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path work;
    private final Path socket;
    private final ThawProcess thaw;
    private int httpPort;

    private Pool(Path work, Path socket, ThawProcess thaw) {
        this.work = work;
        this.socket = socket;
        this.thaw = thaw;
    }

    static Pool start(Path work, Path image, Path socket, String... settings) throws Exception {
        return startUnder(List.of(), Map.of(), work, image, socket, settings);
    }

    /** thaw run started through {@code wrapper} (setsid: its own process group, as a shell job or a systemd unit is). */
    static Pool startUnder(List<String> wrapper, Map<String, String> env, Path work, Path image, Path socket, String... settings)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--image", image.toString(), "--socket", socket.toString()));
        args.addAll(List.of(settings));
        return new Pool(work, socket, ThawProcess.startUnder(wrapper, work, env, args.toArray(String[]::new)));
    }

    ThawProcess thaw() {
        return thaw;
    }

    JsonNode status() throws Exception {
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), Duration.ofSeconds(30), "status", "--socket", socket.toString(), "--json");
        assertEquals(0, r.exitCode(), r.output());
        return JSON.readTree(r.lines().get(r.lines().size() - 1));
    }

    /** The ready workers' PIDs, from the pool's /status (503, none, until the supervisor's first turn). */
    Set<Long> readyPids() throws Exception {
        Http.Response r = Http.get(httpPort(), "/status");
        if (r.status() == 503) {
            return Set.of();
        }
        assertEquals(200, r.status(), r.body());
        Set<Long> pids = new HashSet<>();
        for (JsonNode w : r.json().path("workers")) {
            if ("ready".equals(w.path("state").asText())) {
                pids.add(w.path("pid").asLong());
            }
        }
        return pids;
    }

    /** GET {@code path} from the pool's HTTP endpoint (/metrics, /status). */
    Http.Response endpoint(String path) throws Exception {
        return Http.get(httpPort(), path);
    }

    /** The port of the pool's HTTP endpoint (ThawProcess lets the kernel choose it), from thaw's line naming it. */
    private int httpPort() throws InterruptedException {
        if (httpPort == 0) {
            String url = thaw.awaitLine("^thaw: http endpoint on http://\\S+:(\\d+) ", Duration.ofSeconds(60)).group(1);
            httpPort = Integer.parseInt(url);
        }
        return httpPort;
    }

    /** Polls the pool's /status until {@code n} workers are ready and none of {@code gone} is among them. */
    Set<Long> awaitReady(int n, Set<Long> gone, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        Set<Long> pids = Set.of();
        while (System.nanoTime() < deadline) {
            pids = readyPids();
            if (pids.size() == n && pids.stream().noneMatch(gone::contains)) {
                return pids;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not " + n + " ready workers (without " + gone + ") within " + bound + ": " + pids + "\n" + thaw.output());
    }

    void signal(String name) throws Exception {
        signal(name, thaw.process().pid());
    }

    static void signal(String name, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor());
    }

    @Override
    public void close() {
        thaw.close();
    }
}
