package dev.thaw.bench;

import dev.thaw.config.CheckpointSettingsSpec;
import dev.thaw.config.Parsers;
import dev.thaw.config.RunSettingsSpec;
import dev.thaw.config.Setting;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Every setting of {@code thaw bench}, in the order its help and docs/bench-settings.md show them. Where a setting means
 * what it means to {@code thaw checkpoint} or {@code thaw run} (the leader's warm-up and its cold-start bound, the restore
 * mode), it is that command's declaration, the same object: one default, one THAW_* variable, one doc. The bench's own
 * are declared here, read the same way (flag, THAW_*, --config file, default) and validated together by
 * {@link BenchSettings#from}.
 */
public final class BenchSettingsSpec {
    private BenchSettingsSpec() {
    }

    public static final Setting<Optional<URI>> URL = new Setting<>("url", "URL", "",
            "Readiness probe: the app has started when this answers 200 (required). A plain http URL; the app's port is its port.",
            "A cheap URL (a health check) times a start-up most precisely; one that touches the database includes its reconnect.",
            BenchSettingsSpec.optional(BenchSettingsSpec::httpUrl));
    public static final Setting<List<URI>> LOAD_URL = new Setting<>("load-url", "URL", "",
            "URL the load generator sends, round robin; repeatable, on the host and port of --url (none: --url). Spaces separate"
                    + " URLs in THAW_LOAD_URL and the config file.",
            "The paths real traffic takes show how warm a worker really is; the probe alone measures little beyond the server.",
            BenchSettingsSpec::httpUrls).repeatable(" ");
    /** thaw checkpoint's: what the leader is warmed with, here also the AOT training run. */
    public static final Setting<List<URI>> WARMUP_URL = CheckpointSettingsSpec.WARMUP_URL;
    /** thaw checkpoint's: the leader's warm-up, here also the AOT training run's. */
    public static final Setting<Integer> WARMUP_REQUESTS = CheckpointSettingsSpec.WARMUP_REQUESTS;
    /** thaw checkpoint's: more warm-up while the leader's JIT is busy. */
    public static final Setting<Duration> WARMUP_JIT_WAIT = CheckpointSettingsSpec.WARMUP_JIT_WAIT;
    /** thaw checkpoint's bound on a cold start (also set by --ready-timeout), here every cold start and every wait for workers. */
    public static final Setting<Duration> LEADER_READY_TIMEOUT = CheckpointSettingsSpec.LEADER_READY_TIMEOUT;
    /** thaw run's: how the pool's workers, and the bench's standard restores, get the image; copy is always measured next to map. */
    public static final Setting<String> RESTORE_MODE = RunSettingsSpec.RESTORE_MODE;
    /** thaw checkpoint's: the user the app runs as, here also every cold JVM and the AOT training run. */
    public static final Setting<String> USER = CheckpointSettingsSpec.USER;
    /** thaw checkpoint's: the app's group, with --user. */
    public static final Setting<String> GROUP = CheckpointSettingsSpec.GROUP;
    public static final Setting<List<Integer>> WORKER_COUNTS = new Setting<>("worker-counts", "N,N,...", "1,2,4,8",
            "Worker counts to measure memory and restores at once for (1..64 each). --workers and -w, its older flags, still set it.",
            "Each count starts that many cold JVMs: the largest count bounds the run's memory and most of its time.",
            BenchSettingsSpec::workerCounts).alsoSetBy("--workers").alsoSetBy("-w");
    public static final Setting<Integer> RUNS = new Setting<>("runs", "K", "5",
            "Start-ups per mode (cold JVM, AOT cache, each restore mode), interleaved; the first second of load is pooled over them.",
            "More runs narrow the medians on a noisy machine; each costs one cold start per cold mode.",
            Parsers.intIn(1, 100));
    public static final Setting<Integer> CONNECTIONS = new Setting<>("connections", "C", "4",
            "Keep-alive connections of the load generator per worker (N workers get N times as many), closed loop.",
            "More connections load a worker harder; on few cores the load generator competes with the app for the CPU.",
            Parsers.intIn(1, 256));
    public static final Setting<Integer> STEADY_SECONDS = new Setting<>("steady-seconds", "S", "10",
            "Load before the steady-state window (3 s): in every run of a restored worker (the windows pooled) and in the last run of"
                    + " a cold JVM. A restored worker's first second is compared with its steady state.",
            "Longer lets the JIT finish a cold JVM's hot paths before steady state is read; each second is spent once per run of"
                    + " each restore mode and once per cold mode.",
            Parsers.intIn(0, 3600));
    public static final Setting<Integer> KSM_WAIT = new Setting<>("ksm-wait", "SECONDS", "90",
            "Longest wait for page merging of N copied workers to settle before their memory is read.",
            "Merging N workers takes ksmd tens of seconds; shorter measures them half merged, and the report says so.",
            Parsers.intIn(0, 3600));
    public static final Setting<Boolean> NO_AOT = new Setting<>("no-aot", "true|false", "false",
            "Skip the cold JVM with the JDK's AOT cache (and its training run).",
            "The AOT cache is the JDK's own answer to slow starts (JEP 514); skipping it saves a training run and a mode per run.",
            Parsers.bool());
    public static final Setting<Boolean> NO_MEMORY = new Setting<>("no-memory", "true|false", "false",
            "Skip the memory phase: N workers restored at once and the memory of N workers, cold JVMs and one JVM serving"
                    + " their load (every --worker-counts, with and without page merging).",
            "The memory phase starts the most JVMs of the run; skipping it leaves start-up and the first second (scripts/bench"
                    + " does so for its second app, the Spring sample).",
            Parsers.bool());
    public static final Setting<Boolean> REUSE_PORT = new Setting<>("reuse-port", "true|false", "true",
            "For N of anything on the app's one port: add -Dthaw.reuse-port=true to the command thaw checkpoints (so N restored"
                    + " workers share the port, as with thaw run), and start the cold JVMs of the memory phase with thaw's agent and"
                    + " the same option. false: the app binds its port with SO_REUSEPORT itself (Jetty's reusePort), and cold"
                    + " JVMs run its command unchanged. A -Dthaw.reuse-port in the command wins over both.",
            "true works on any NIO server (Tomcat, Jetty, Netty's NIO transport) with no setting of the app's own, but the cold"
                    + " JVMs of the memory phase then carry thaw's agent (its classes and its JDK hooks, a few MiB); false measures"
                    + " them exactly as the app runs, and fails on an app that cannot share its port.",
            Parsers.bool());
    public static final Setting<Integer> POOL_WORKERS = new Setting<>("pool-workers", "N", "4",
            "Workers of the thaw run pool that a rolling restart (HUP) under load, kill -9 and TTIN are measured on; 0 skips it.",
            "More workers make the roll longer and the kill lands on a busier pool; 0 saves about a minute.",
            Parsers.intIn(0, 64));
    public static final Setting<Integer> ECONOMY_RUNS = new Setting<>("economy-runs", "K", "3",
            "Restores per image when comparing the image with and without the heap shrunk before the dump, and generation 1 with a"
                    + " generation reforked under load; with it, PSS per worker after --sharing-seconds of load for the default and"
                    + " a leader with the JVM's own young generation sizing (thaw checkpoint --young-gen-max 0). 0 skips all three.",
            "Each run of it checkpoints the app three more times.",
            Parsers.intIn(0, 20));
    public static final Setting<Integer> SHARING_SECONDS = new Setting<>("sharing-seconds", "S", "20",
            "The fixed load before the per-worker PSS of the default leader and the one with the JVM's young generation (1..600).",
            "Longer shows more of the pages a worker writes under load; it is spent twice.",
            Parsers.intIn(1, 600));
    public static final Setting<Optional<String>> LARGE_IMAGE_FLAG = new Setting<>("large-image-flag", "FLAG", "",
            "A leader flag that makes a larger image of the app, e.g. -Dsample.dataset.mb=750 (it replaces the command's own"
                    + " setting of that name): the app is checkpointed again with it, and one worker at a time is restored from each"
                    + " image in each mode, --large-image-runs times, interleaved. None: not measured.",
            "Shows how a restore's time grows with the image; costs one more checkpoint of a larger leader.",
            BenchSettingsSpec.optional(BenchSettingsSpec::jvmFlag));
    public static final Setting<Integer> LARGE_IMAGE_RUNS = new Setting<>("large-image-runs", "K", "3",
            "Restores per image and mode with --large-image-flag (0 skips it).",
            "More runs narrow the comparison; each restore of the larger image by copying takes longer.",
            Parsers.intIn(0, 20));
    public static final Setting<Optional<String>> REFERENCE_SERVER = new Setting<>("reference-server", "COMMAND", "",
            "A pre-fork server to measure next to thaw (shell command line), e.g. gunicorn --preload -w 1 ...: started with 1"
                    + " worker and grown with TTIN; it must print 'ready pid=N' when a worker is ready. Needs --reference-url.",
            "Puts thaw's figures next to the model it brings to the JVM; the server must serve a comparable app.",
            BenchSettingsSpec.optional(Function.identity()));
    public static final Setting<Optional<URI>> REFERENCE_URL = new Setting<>("reference-url", "URL", "",
            "The reference server's probe and load URL: plain http, on another port than --url.",
            "Use the path that does the same work as --load-url in the app.",
            BenchSettingsSpec.optional(BenchSettingsSpec::httpUrl));
    public static final Setting<Optional<String>> REFERENCE_NAME = new Setting<>("reference-name", "NAME", "",
            "The reference server's name in the report (none: its command's first word).",
            "Only a label.",
            BenchSettingsSpec.optional(Function.identity()));
    public static final Setting<Path> OUT = new Setting<>("out", "DIR", "thaw-bench",
            "Where bench.json, bench.md and img/*.png go; written after each scenario.",
            "A directory of its own per run keeps earlier results; the files in it are replaced.",
            BenchSettingsSpec::path);
    public static final Setting<Boolean> KEEP_WORK = new Setting<>("keep-work", "true|false", "false",
            "Keep the work directory (image, AOT cache, JVM and GC logs) instead of deleting it. It is kept anyway when a"
                    + " scenario failed.",
            "The image alone is the leader's heap: hundreds of MiB in the temporary directory.",
            Parsers.bool());

    public static final List<Setting<?>> ALL = List.of(URL, LOAD_URL, WARMUP_URL, WARMUP_REQUESTS, WARMUP_JIT_WAIT, LEADER_READY_TIMEOUT, RESTORE_MODE,
            USER, GROUP, WORKER_COUNTS, RUNS, CONNECTIONS, STEADY_SECONDS, KSM_WAIT, NO_AOT, NO_MEMORY, REUSE_PORT, POOL_WORKERS, ECONOMY_RUNS,
            SHARING_SECONDS, LARGE_IMAGE_FLAG, LARGE_IMAGE_RUNS, REFERENCE_SERVER, REFERENCE_URL, REFERENCE_NAME, OUT, KEEP_WORK);

    /** Empty text (the default "none") is empty; anything else goes through {@code parse}. */
    private static <T> Function<String, Optional<T>> optional(Function<String, T> parse) {
        return s -> s.isEmpty() ? Optional.empty() : Optional.of(parse.apply(s));
    }

    static URI httpUrl(String text) {
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a URL: use e.g. http://127.0.0.1:8080/health");
        }
        if (!"http".equals(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("'" + text + "' is not a plain http URL with a host: use e.g. http://127.0.0.1:8080/health");
        }
        return url;
    }

    private static List<URI> httpUrls(String text) {
        List<URI> urls = new ArrayList<>();
        for (String part : text.split("\\s+")) {
            if (!part.isEmpty()) {
                urls.add(httpUrl(part));
            }
        }
        return List.copyOf(urls);
    }

    private static List<Integer> workerCounts(String text) {
        List<Integer> counts = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                int n = Integer.parseInt(part.strip());
                if (n < 1 || n > 64) {
                    throw new NumberFormatException();
                }
                counts.add(n);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected worker counts from 1 to 64, e.g. 1,2,4,8");
            }
        }
        return counts.stream().sorted().distinct().toList();
    }

    private static String jvmFlag(String text) {
        if (!text.startsWith("-")) {
            throw new IllegalArgumentException("expected a JVM flag, e.g. -Dsample.dataset.mb=750");
        }
        return text;
    }

    private static Path path(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("expected a directory");
        }
        return Path.of(text);
    }
}
