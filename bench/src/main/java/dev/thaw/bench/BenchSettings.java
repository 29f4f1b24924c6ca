package dev.thaw.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.thaw.config.CheckpointSettings;
import dev.thaw.config.SettingException;
import dev.thaw.config.SettingSources;
import dev.thaw.host.AppUser;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One benchmark run's settings ({@link BenchSettingsSpec} declares each one), read and checked against each other once, in
 * {@link #from}, then immutable.
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
 * @param warmupUrls what the leader and the AOT training run are warmed with, as given (none: the probe, then the load)
 * @param restoreMode thaw run's --restore-mode for the pool and the standard restores: auto, map or copy
 * @param reusePort -Dthaw.reuse-port=true is added to the checkpointed command and the memory phase's cold JVMs
 * @param thawCommand how to start thaw's CLI (java, flags, jar) for {@code thaw checkpoint} and {@code thaw run}
 * @param appUser the user every JVM of the app runs as (--user, --group): the leader and so every restored worker, the cold
 *                JVMs and the AOT training run; null for thaw's own (root)
 * @param warmupJitWaitSeconds thaw checkpoint's --warmup-jit-wait for the bench's leaders (0: off, and in older bench.json)
 * @param noMemory the memory phase (N workers at once, memory of N) is skipped (false in older bench.json, which measured it)
 */
public record BenchSettings(List<String> command, URI probe, List<URI> load, List<Integer> workers, int runs, int connections,
                            int warmupRequests, int steadySeconds, int ksmWaitSeconds, int readyTimeoutSeconds, boolean aot,
                            int poolWorkers, int economyRuns, int sharingSeconds, String largeImageFlag, int largeImageRuns,
                            String referenceName, String referenceCommand, URI referenceUrl,
                            List<URI> warmupUrls, String restoreMode, boolean reusePort, AppUser appUser, int warmupJitWaitSeconds,
                            boolean noMemory,
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
        warmupUrls = warmupUrls == null ? List.of() : List.copyOf(warmupUrls); // absent from the bench.json of older runs
        restoreMode = restoreMode == null ? "auto" : restoreMode;
        thawCommand = thawCommand == null ? List.of() : List.copyOf(thawCommand); // not in bench.json
    }

    /** The system property of thaw's agent that gives every NIO server socket SO_REUSEPORT (docs/resources.md). */
    static final String REUSE_PORT_PROPERTY = "-Dthaw.reuse-port";

    /**
     * The settings of one run from their sources, checked against each other and against the app's {@code command}: every
     * problem is one line naming the setting and the fix ({@link SettingException}, exit 2).
     */
    static BenchSettings from(SettingSources s, List<String> command, Path workDir, List<String> thawCommand) {
        Optional<URI> probe = s.value(BenchSettingsSpec.URL);
        if (probe.isEmpty() || command.isEmpty()) {
            throw new SettingException("thaw bench needs --url and the app's command after '--', "
                    + "e.g. thaw bench --url http://127.0.0.1:8080/health -- java -jar app.jar");
        }
        URI url = probe.get();
        List<URI> load = s.value(BenchSettingsSpec.LOAD_URL);
        requireSameServer(load, url, "--load-url");
        List<URI> warmup = s.value(BenchSettingsSpec.WARMUP_URL);
        requireSameServer(warmup, url, "--warmup-url");
        if (!warmup.isEmpty() && command.contains(CheckpointSettings.SPRING_CHECKPOINT)) {
            throw new SettingException("--warmup-url cannot be used when the app checkpoints itself (" + CheckpointSettings.SPRING_CHECKPOINT
                    + "): it is dumped before it serves; drop --warmup-url");
        }
        Optional<String> reference = s.value(BenchSettingsSpec.REFERENCE_SERVER);
        Optional<URI> referenceUrl = s.value(BenchSettingsSpec.REFERENCE_URL);
        if (reference.isPresent() && referenceUrl.isEmpty()) {
            throw new SettingException("--reference-server needs --reference-url, a plain http URL of that server");
        }
        if (referenceUrl.isPresent() && HttpConnection.port(referenceUrl.get()) == HttpConnection.port(url)) {
            throw new SettingException("--reference-url must use another port than --url: both servers are measured in one run");
        }
        String referenceName = reference.map(r -> s.value(BenchSettingsSpec.REFERENCE_NAME).orElse(r.strip().split("\\s+")[0])).orElse(null);
        long readyMillis = s.value(BenchSettingsSpec.LEADER_READY_TIMEOUT).toMillis();
        return new BenchSettings(command, url, load, s.value(BenchSettingsSpec.WORKER_COUNTS), s.value(BenchSettingsSpec.RUNS),
                s.value(BenchSettingsSpec.CONNECTIONS), s.value(BenchSettingsSpec.WARMUP_REQUESTS), s.value(BenchSettingsSpec.STEADY_SECONDS),
                s.value(BenchSettingsSpec.KSM_WAIT), (int) Math.max(1, (readyMillis + 999) / 1000), !s.value(BenchSettingsSpec.NO_AOT),
                s.value(BenchSettingsSpec.POOL_WORKERS), s.value(BenchSettingsSpec.ECONOMY_RUNS), s.value(BenchSettingsSpec.SHARING_SECONDS),
                s.value(BenchSettingsSpec.LARGE_IMAGE_FLAG).orElse(null), s.value(BenchSettingsSpec.LARGE_IMAGE_RUNS), referenceName,
                reference.orElse(null), referenceUrl.orElse(null), warmup, s.value(BenchSettingsSpec.RESTORE_MODE),
                s.value(BenchSettingsSpec.REUSE_PORT), CheckpointSettings.appUser(s),
                (int) Math.min(Integer.MAX_VALUE, s.value(BenchSettingsSpec.WARMUP_JIT_WAIT).toSeconds()), s.value(BenchSettingsSpec.NO_MEMORY),
                s.value(BenchSettingsSpec.OUT).toAbsolutePath(),
                workDir, thawCommand);
    }

    private static void requireSameServer(List<URI> urls, URI probe, String flag) {
        for (URI u : urls) {
            if (!"http".equals(u.getScheme()) || !probe.getHost().equals(u.getHost()) || HttpConnection.port(u) != HttpConnection.port(probe)) {
                throw new SettingException(flag + " " + u + " must be plain http on the host and port of --url (" + probe + ")");
            }
        }
    }

    /** The leader's and the AOT training run's warm-up: --warmup-url, else the probe first, then the load's other URLs. */
    List<URI> warmup() {
        if (!warmupUrls.isEmpty()) {
            return warmupUrls;
        }
        List<URI> urls = new ArrayList<>(List.of(probe));
        load.stream().filter(u -> !u.equals(probe)).forEach(urls::add);
        return List.copyOf(urls);
    }

    /** The app checkpoints itself (Spring's onRefresh): thaw checkpoint takes no warm-up URL then. */
    boolean appCheckpoints() {
        return command.contains(CheckpointSettings.SPRING_CHECKPOINT);
    }

    /** {@code command} (the app's JVM, cold) as the app's user, like the leader thaw checkpoint starts: unchanged without --user. */
    List<String> asAppUser(List<String> command) {
        return appUser == null ? command : appUser.run(command);
    }

    /** --user and --group for thaw checkpoint, by number: what this bench resolved, whatever the names resolve to later. */
    List<String> appUserOptions() {
        return appUser == null ? List.of()
                : List.of("--user", Integer.toString(appUser.uid()), "--group", Integer.toString(appUser.gid()));
    }

    /** The command whose image is measured: with thaw's reuse-port option when asked for and the command does not set it. */
    List<String> checkpointedCommand() {
        return withReusePort(command);
    }

    /** {@code c} with -Dthaw.reuse-port=true right after java, unless --reuse-port false or {@code c} sets it itself. */
    List<String> withReusePort(List<String> c) {
        if (!reusePort || c.stream().anyMatch(a -> a.startsWith(REUSE_PORT_PROPERTY + "="))) {
            return c;
        }
        List<String> with = new ArrayList<>(c);
        with.add(1, REUSE_PORT_PROPERTY + "=true");
        return List.copyOf(with);
    }
}
