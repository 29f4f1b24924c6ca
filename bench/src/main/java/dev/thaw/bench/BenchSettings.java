package dev.thaw.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * One benchmark run's settings, validated by the command before it is built.
 *
 * @param probe polled until it answers 200: the end of a start-up
 * @param load the URLs the load generator sends, round robin (the probe when none are given)
 * @param connections keep-alive connections of the load on one worker (N workers get N times as many)
 * @param warmupRequests requests that warm the leader before the checkpoint (and the AOT training run)
 * @param steadySeconds load before the steady-state window, which lasts {@link #STEADY_WINDOW_MILLIS}
 * @param ksmWaitSeconds the longest wait for page merging to settle
 * @param poolWorkers workers of the thaw run pool the rolling restart, kill -9 and TTIN are measured on (0: skipped)
 * @param economyRuns restores per image in the image-economy and refork comparisons; 0 skips them and the sharing one
 * @param sharingSeconds the fixed load before the per-worker PSS of the sharing comparison
 * @param largeImageFlag a leader flag that makes a larger image of the app (e.g. a bigger dataset), restored against the bench's
 *                       own image in each mode; it replaces the command's own setting of the same name (null: not measured)
 * @param largeImageRuns restores per image and mode in that comparison (0: not measured)
 * @param referenceCommand a pre-fork server to measure next to thaw, a shell command line (null: none)
 * @param referenceUrl the reference server's probe, also its load
 * @param thawCommand how to start thaw's CLI (java, flags, jar) for {@code thaw checkpoint} and {@code thaw run}
 */
public record BenchSettings(List<String> command, URI probe, List<URI> load, List<Integer> workers, int runs, int connections,
                            int warmupRequests, int steadySeconds, int ksmWaitSeconds, int readyTimeoutSeconds, boolean aot,
                            int poolWorkers, int economyRuns, int sharingSeconds, String largeImageFlag, int largeImageRuns,
                            String referenceName, String referenceCommand, URI referenceUrl,
                            @JsonIgnore Path out, @JsonIgnore Path workDir,
                            @JsonIgnore List<String> thawCommand) {
    public static final long FIRST_SECOND_MILLIS = 1000;
    /** Load on each fresh JVM: its first second is the figure, the next one shows how it goes on. */
    public static final long FRESH_LOAD_MILLIS = 2000;
    public static final long SLICE_MILLIS = 100;
    public static final long STEADY_WINDOW_MILLIS = 3000;
    public static final long MEMORY_LOAD_MILLIS = 2000;

    public BenchSettings {
        command = List.copyOf(command);
        load = List.copyOf(load.isEmpty() ? List.of(probe) : load);
        workers = List.copyOf(workers);
        thawCommand = thawCommand == null ? List.of() : List.copyOf(thawCommand); // not in bench.json
    }
}
