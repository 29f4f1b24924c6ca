package dev.thaw.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every setting of {@code thaw run}, in the order the help and the docs show them (the socket is shared: {@link ControlSettingsSpec}). */
public final class RunSettingsSpec {
    private RunSettingsSpec() {
    }

    public static final Setting<Integer> WORKERS = new Setting<>("workers", "N", "2",
            "Number of workers to keep serving.",
            "More workers serve more requests in parallel; each costs the image's private pages (less with --ksm).",
            Parsers.intIn(1, 1024));
    public static final Setting<Duration> TIMEOUT = new Setting<>("timeout", "SECONDS", "30",
            "A worker whose heartbeat is older than this, or whose oldest request has run longer, is killed and replaced.",
            "Too low kills slow but healthy requests; too high leaves a hung worker holding connections.",
            Parsers.duration(Duration.ofSeconds(1)));
    public static final Setting<Duration> GRACEFUL_TIMEOUT = new Setting<>("graceful-timeout", "SECONDS", "30",
            "How long a stopping worker may finish its requests after TERM before it is killed.",
            "Longer lets long requests finish on stop and restart; shorter makes stops and rolls faster.",
            Parsers.duration(Duration.ZERO));
    public static final Setting<Duration> READY_TIMEOUT = new Setting<>("ready-timeout", "SECONDS", "60",
            "A worker not ready this long after its restore began is killed and counts as a boot failure. Not the leader's"
                    + " start, which thaw checkpoint bounds with leader-ready-timeout (180 s): a restore skips the cold start.",
            "Restores take well under a second; a slow afterRestore (reconnecting to a database) needs more. Higher delays"
                    + " noticing an image that cannot boot by this much per attempt (--max-boot-failures attempts before a halt).",
            Parsers.duration(Duration.ofSeconds(1)));
    public static final Setting<Integer> MAX_BOOT_FAILURES = new Setting<>("max-boot-failures", "N", "3",
            "Consecutive boot failures of a worker slot after which thaw halts (exit code 3) instead of retrying.",
            "Retries ride out a transient failure (a port still held, a database restarting); a broken image halts fast.",
            Parsers.intIn(1, 1000));
    public static final Setting<Integer> MAX_REQUESTS = new Setting<>("max-requests", "N", "0",
            "Recycle a worker after it has served this many requests (0 = never). Its replacement is ready before it drains.",
            "Cures slow leaks and fragmentation; each recycle costs one restore (docs/BENCHMARKS.md: 47 ms to a first 200 by mapping, 211 ms by copying, a 392 MiB image on 2 shared cores).",
            Parsers.intIn(0, Integer.MAX_VALUE));
    public static final Setting<Integer> MAX_REQUESTS_JITTER = new Setting<>("max-requests-jitter", "N", "0",
            "Add a random 0..N to each worker's --max-requests so that workers do not all recycle at once.",
            "Without it, workers started together reach the limit together.",
            Parsers.intIn(0, Integer.MAX_VALUE));
    public static final Setting<Long> MAX_MEMORY = new Setting<>("max-memory", "MiB", "0",
            "Recycle a worker whose memory (see --memory-metric) exceeds this many MiB (0 = never).",
            "A memory cap catches leaks that max-requests misses; PSS costs a read of /proc/PID/smaps_rollup per check.",
            Parsers.mebibytes());
    public static final Setting<String> MEMORY_METRIC = new Setting<>("memory-metric", "rss|pss", "pss",
            "What --max-memory measures: RSS (all resident pages) or PSS (shared pages divided among sharers).",
            "PSS is what a worker really costs when pages are shared (--ksm); RSS is cheaper to read but counts shared pages fully.",
            Parsers.oneOf("rss", "pss"));
    public static final Setting<Integer> MAX_UNAVAILABLE = new Setting<>("max-unavailable", "N", "1",
            "How many workers a rolling restart (HUP, reload) replaces at once. Each replacement is ready before the old worker drains.",
            "Higher rolls faster but runs more workers (and memory) during the roll.",
            Parsers.intIn(1, 1024));
    public static final Setting<List<Integer>> REFORK_AFTER = new Setting<>("refork-after", "N,N,...|false", "false",
            "Refork: when a worker of the newest generation has served the next count of requests, it is checkpointed while it"
                    + " keeps running and becomes the image of the next generation; the other workers are rolled onto it. The"
                    + " counts apply to generations in turn, the last one repeating (500,1000,2000). Needs 2 or more workers.",
            "A worker warmed by real traffic makes workers with the real hot paths compiled and caches filled; each refork"
                    + " pauses one worker for its drain and dump (about a second) and rolls every other one.",
            Parsers.countsOrFalse());
    public static final Setting<Integer> REFORK_MAX_UNAVAILABLE = new Setting<>("refork-max-unavailable", "N", "1",
            "How many older workers are replaced at once after a refork made a new generation.",
            "Higher moves the pool to the new generation faster but runs more workers (and memory) meanwhile.",
            Parsers.intIn(1, 1024));
    public static final Setting<Duration> HEARTBEAT = new Setting<>("heartbeat", "SECONDS", "1",
            "How often workers report to the orchestrator.",
            "Shorter notices a frozen worker sooner at a small cost in wake-ups.",
            Parsers.duration(Duration.ofMillis(50)));
    public static final Setting<String> KSM = new Setting<>("ksm", "auto|true|false", "auto",
            "Let the kernel merge identical pages of the workers (PR_SET_MEMORY_MERGE), enabling KSM where permitted; auto"
                    + " merges when workers copy the image (--restore-mode copy, or a CRIU that cannot map) and not when they map it,"
                    + " since mapped workers share the image's pages through the page cache already. ksmd"
                    + " scans 5000 pages every 10 ms until merging settles (pages_sharing flat for 30 s and 2 full scans),"
                    + " then 100 pages (or the host's own rate, if higher), and 5000 again when merging grows. The KSM settings"
                    + " and net.ipv4.tcp_migrate_req that thaw changes are recorded in /run/thaw/host-settings and given back"
                    + " when the last pool on the host stops (after a kill -9 of thaw, when the next pool starts).",
            "Cuts memory per worker several times; costs ksmd CPU for as long as it scans, mergeable or not. Measured on"
                    + " 2 shared cores with 4 workers restored by copying a 225 MiB image (about 740 MiB merged): 15% of a core"
                    + " while merging, 7-12% at 5000 pages every 10 ms once merged, 0.3% at 100 pages. Merged pages are"
                    + " copied again on write. With mapped workers there is little left to merge (what each wrote since its"
                    + " restore): 4 mapped sample-app workers under load were 98 MiB PSS each with it and 105 MiB without, for"
                    + " 7-9% of a core of ksmd during their first 30 s.",
            Parsers.oneOf("auto", "true", "false"));
    public static final Setting<String> RESTORE_MODE = new Setting<>("restore-mode", "auto|map|copy", "auto",
            "How a worker gets the image's memory: map it copy-on-write (needs thaw's CRIU patch, built by scripts/setup) or"
                    + " copy it; auto maps when this CRIU can and says so once at start.",
            "map makes a restore take milliseconds whatever the image's size, and workers share every page they have not"
                    + " written; copy gives each worker its own copy (slower, more memory, shared only through --ksm).",
            Parsers.oneOf("auto", "map", "copy"));
    /** The same declaration as thaw checkpoint's: a refork's dump is bounded like the leader's. */
    public static final Setting<Duration> DUMP_TIMEOUT = CheckpointSettingsSpec.DUMP_TIMEOUT;
    /** The same declaration as status, scale and reload read: one default, one THAW_SOCKET. */
    public static final Setting<String> SOCKET = ControlSettingsSpec.SOCKET;

    public static final Setting<Optional<InetSocketAddress>> HTTP_ADDRESS = new Setting<>("http-address", "HOST:PORT|off",
            "127.0.0.1:9191",
            "Where thaw run serves /metrics (Prometheus), /healthz, /readyz and /status (docs/metrics.md); off disables it.",
            "Loopback keeps pool details on this machine; in a container, 0.0.0.0:9191 lets Prometheus and the kubelet reach it.",
            Parsers.addressOrOff());
    public static final Setting<Integer> MIN_READY_WORKERS = new Setting<>("min-ready-workers", "N", "1",
            "/readyz answers 200 while at least this many workers are ready, 503 otherwise.",
            "Higher keeps traffic away from a pool that lost capacity; equal to --workers makes one crash mark the pool unready.",
            Parsers.intIn(1, 1024));

    public static final List<Setting<?>> ALL = List.of(WORKERS, TIMEOUT, GRACEFUL_TIMEOUT, READY_TIMEOUT, MAX_BOOT_FAILURES,
            MAX_REQUESTS, MAX_REQUESTS_JITTER, MAX_MEMORY, MEMORY_METRIC, MAX_UNAVAILABLE,
            REFORK_AFTER, REFORK_MAX_UNAVAILABLE, DUMP_TIMEOUT, HEARTBEAT, KSM, RESTORE_MODE, SOCKET, HTTP_ADDRESS, MIN_READY_WORKERS);
}
