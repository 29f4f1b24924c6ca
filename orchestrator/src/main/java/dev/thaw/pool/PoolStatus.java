package dev.thaw.pool;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** The pool as {@code thaw status} shows it; sent as JSON over the control socket. */
public record PoolStatus(long imageGeneration, String imageMadeFrom, int reforks, int targetWorkers, boolean rolling,
                         List<WorkerStatus> workers) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record WorkerStatus(int worker, long pid, long generation, String state, long ageSeconds, long requests,
                               int inFlight, long rssBytes, long pssBytes, long sharedBytes, long privateBytes, int restarts,
                               long readyMillis, long criuRestoreMillis, long restoredBytes, long afterRestoreMillis,
                               long mappedBytes, long copiedBytes, long anonymousBytes) {
    }

    static PoolStatus of(long generation, String madeFrom, int reforks, int target, boolean rolling, List<Worker> workers,
                         Map<Integer, Integer> restarts, Instant now) {
        List<WorkerStatus> rows = workers.stream()
                .sorted(Comparator.comparingInt(Worker::slot).thenComparing(w -> w.startedAt))
                .map(w -> new WorkerStatus(w.slot(), w.process.hostPid(), w.generation(), w.state().name().toLowerCase(),
                        Duration.between(w.startedAt, now).toSeconds(), w.requests, w.inFlight, w.memory.rss(), w.memory.pss(),
                        w.memory.shared(), w.memory.privateBytes(), restarts.getOrDefault(w.slot(), 0), w.readyMillis,
                        w.criuStats.map(c -> c.restoreMillis()).orElse(0L), w.criuStats.map(c -> c.bytesRestored()).orElse(0L),
                        w.afterRestoreMillis, w.criuStats.map(c -> c.bytesMapped()).orElse(0L),
                        w.criuStats.map(c -> c.bytesCopied()).orElse(0L), w.memory.anonymous()))
                .toList();
        return new PoolStatus(generation, madeFrom, reforks, target, rolling, rows);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static PoolStatus fromJson(String json) {
        try {
            return JSON.readValue(json, PoolStatus.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("unreadable status: " + e.getOriginalMessage(), e);
        }
    }
}
