package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.thaw.testkit.Http;
import java.util.Map;

/** Asking every worker of a pool: workers share the port, and SO_REUSEPORT spreads connections by hash. */
final class EveryWorker {
    private EveryWorker() {
    }

    /**
     * GETs {@code path} on new connections until {@code workers} workers have answered (at most 400
     * requests), keeping each worker's first JSON answer by its "worker" field. Each answer must be 200.
     */
    static void collect(int port, String path, int workers, Map<String, JsonNode> byWorker) throws Exception {
        for (int i = 0; i < 400 && byWorker.size() < workers; i++) {
            Http.Response r = Http.get(port, path);
            assertEquals(200, r.status(), path + " answered " + r.status() + ": " + r.body());
            JsonNode json = r.json();
            byWorker.putIfAbsent(json.path("worker").asText(), json);
        }
    }
}
