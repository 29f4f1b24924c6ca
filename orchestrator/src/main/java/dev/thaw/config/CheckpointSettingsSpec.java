package dev.thaw.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The settings of the leader, the JVM that {@code thaw checkpoint} starts, warms up and dumps, and that
 * {@code thaw check} starts the same way to run the guardrail without dumping. Both commands read the
 * same declarations, so that a check rehearses exactly the checkpoint that follows it.
 */
public final class CheckpointSettingsSpec {
    private CheckpointSettingsSpec() {
    }

    /** Warm-up URLs are separated by spaces in the environment and the config file (a URL holds none); each flag is one. */
    public static final String URL_SEPARATOR = " ";

    public static final Setting<List<URI>> WARMUP_URL = new Setting<>("warmup-url", "URL", "",
            "URL to warm the leader up with; repeatable, requests go round robin. The first one is polled until it answers 200:"
                    + " that is how thaw knows the app has started. Spaces separate URLs in THAW_WARMUP_URL and the config file."
                    + " Requests are HTTP/1.1 GETs with Accept: */*, 4 at once, on kept-alive connections and every 4th on a new one,"
                    + " closed by the server (Connection: close) or, every other time, by thaw after the answer.",
            "Every worker starts as warm as these URLs made the leader: list the paths real traffic takes, or workers compile"
                    + " the others on their first requests.",
            CheckpointSettingsSpec::parseUrls).repeatable(URL_SEPARATOR);
    public static final Setting<Integer> WARMUP_REQUESTS = new Setting<>("warmup-requests", "N", "1000",
            "Warm-up requests sent round robin over the --warmup-url URLs after the first 200. thaw check sends as many as"
                    + " thaw checkpoint, so that it finds whatever the warm-up leaves open.",
            "More requests leave more of the app compiled and its caches filled in every worker; each one costs leader time at"
                    + " every checkpoint and every check.",
            Parsers.intIn(0, 100_000_000));
    public static final Setting<Duration> WARMUP_JIT_WAIT = new Setting<>("warmup-jit-wait", "SECONDS", "0",
            "After the --warmup-requests, go on warming round robin, a second at a time, while the leader's JIT compilers are"
                    + " busy (more than a tenth of a core in the last second, read from their threads' CPU time), for at most this"
                    + " long; 0 stops after the --warmup-requests.",
            "A JIT that has not settled at the dump leaves its work to every worker, in its first seconds of traffic (the"
                    + " sample app after 2000 warm-up requests: 300-400 ms of compiler CPU in each of a worker's first 10 seconds);"
                    + " each second of it is spent at every checkpoint, USR2 and thaw check. Traffic unlike the warm-up still makes"
                    + " workers compile: reforking (--refork-after) makes the image from a worker that served real traffic.",
            Parsers.duration(Duration.ZERO));
    public static final Setting<String> JIT_UNTAKEN_PATHS = new Setting<>("jit-untaken-paths", "compile|trap", "compile",
            "What the leader's C2 compiler does with a branch, type or null the warm-up never met: compile it too (thaw adds"
                    + " -XX:PerMethodTrapLimit=0 and -XX:PerMethodSpecTrapLimit=0 to the leader, before the app's own options,"
                    + " which win), or leave the JVM's default, a trap that throws the compiled method away the first time it is"
                    + " taken.",
            "Every worker runs the leader's compiled code against traffic the warm-up only sampled. With traps, each path it"
                    + " missed throws a hot method back to the interpreter in every worker until C2 has compiled it again (the"
                    + " sample app: 300-400 ms of compiler CPU in a worker's first second, with --warmup-jit-wait 60); compiled,"
                    + " 0-50 ms. The cost is larger compiled code, less specialised to the warm-up: the sample app's steady state"
                    + " was the same within noise in an A/B on a quiet machine (29,553 against 29,052 requests/s with traps);"
                    + " measure your own app with thaw bench before choosing.",
            Parsers.oneOf("compile", "trap"));
    public static final Setting<Long> YOUNG_GEN_MAX = new Setting<>("young-gen-max", "auto|MIB", "auto",
            "The largest young generation (eden and survivors) of the leader, and so of every worker: thaw adds"
                    + " -XX:MaxNewSize to the leader before the app's own options; auto is 1/32 of the app's maximum heap (its"
                    + " -Xmx, or the JVM's default from the memory thaw may use and -XX:MaxRAMPercentage), at least 64 MiB. Not"
                    + " added when the app sizes its young generation itself (-Xmn, -XX:NewSize, -XX:MaxNewSize, -XX:NewRatio,"
                    + " G1's New Size percents, also in an @argfile or JAVA_TOOL_OPTIONS), when the heap is under 4x the bound,"
                    + " or under ZGC and Shenandoah; 0 leaves the JVM's own sizing (G1: up to 60 percent of the heap).",
            "Every young-generation page a worker allocates into is its own: the image holds live data, not eden. With the"
                    + " JVM's sizing a worker at -Xmx2g first faults in a ~500 MiB eden (the sample app: 148,000 page faults, ~400"
                    + " ms of its first second on this VM) and keeps it private after load (592 MiB per worker against 105 MiB"
                    + " at 48). A small one is recycled instead, at the price of more frequent young collections (the sample app at"
                    + " 64: ~10 a second under full load, a few ms each). An app whose requests keep much data alive for long,"
                    + " or allocate in large bursts, promotes more to the old generation with it: measure with thaw bench, and"
                    + " raise it or give 0.",
            CheckpointSettingsSpec::parseYoungGenMax);
    public static final Setting<Boolean> CHECKPOINT_REHEARSAL = new Setting<>("checkpoint-rehearsal", "true|false", "true",
            "After the warm-up, run the leader's beforeCheckpoint once without a dump, then its afterRestore, then the whole"
                    + " warm-up again (--warmup-requests and --warmup-jit-wait; with a JIT wait, at least 15000 requests, enough"
                    + " for HotSpot to compile again with C2 what the rehearsal threw away), and only then the checkpoint. Not with"
                    + " --app-checkpoint, where thaw does not warm the app up. thaw check, with it, checks that the leader"
                    + " connects and answers the first --warmup-url again after its afterRestore (within 60 s).",
            "An app's beforeCheckpoint takes paths its warm-up never took (a server stopping, its connections closing), and"
                    + " there the JIT's code for the request path meets classes not loaded yet and is thrown away right before"
                    + " the dump: every worker compiles it again in its first second (the Spring sample: Tomcat's request path,"
                    + " recompiled with 300-400 ms of compiler CPU in each worker's first second). The rehearsal costs the"
                    + " checkpoint a second beforeCheckpoint, afterRestore and warm-up, each a few seconds.",
            Parsers.bool());
    public static final Setting<Duration> LEADER_READY_TIMEOUT = new Setting<>("leader-ready-timeout", "SECONDS", "180",
            "How long the leader may take from its start to its first 200 on the first --warmup-url (with --app-checkpoint: to"
                    + " asking for its checkpoint). --ready-timeout, its older flag, still sets it.",
            "This is a cold start, which takes a large app tens of seconds and longer on a busy machine or beside a serving"
                    + " pool (USR2), hence 180 s; thaw run's ready-timeout (60 s) bounds a restore, which skips all of that."
                    + " Lower fails fast on an app that will never answer.",
            Parsers.duration(Duration.ofSeconds(1))).alsoSetBy("--ready-timeout");
    public static final Setting<Duration> CHECKPOINT_TIMEOUT = new Setting<>("checkpoint-timeout", "SECONDS", "60",
            "How long the leader's beforeCheckpoint callbacks may take (closing pools, stopping servers, draining executors).",
            "Callbacks that wait for in-flight work need longer; a callback stuck on a lock otherwise holds the checkpoint"
                    + " this long before it fails.",
            Parsers.duration(Duration.ofSeconds(1)));
    public static final Setting<Duration> DUMP_TIMEOUT = new Setting<>("dump-timeout", "SECONDS", "600",
            "How long one criu dump may take: the leader's (thaw checkpoint, USR2) or a serving worker's (thaw run's refork)."
                    + " A dump still running then is killed and counts as failed; the old image stays.",
            "A dump writes the whole heap: a few seconds per GiB on a local disk, minutes on a slow network volume. A hung"
                    + " dump (a stuck file system, a kernel bug) otherwise holds the checkpoint, or a refork's worker, this long.",
            Parsers.duration(Duration.ofSeconds(1)));
    public static final Setting<String> USER = new Setting<>("user", "NAME|UID", "",
            "The user the app runs as: the leader starts with this user's credentials, no supplementary groups, no capabilities"
                    + " and no_new_privs, and every worker restored from the image runs the same way; thaw run lets this user, and"
                    + " no other, reach its control socket. Empty: the app runs as thaw's own user (root).",
            "A remote code execution in the app then gets an unprivileged user instead of root with thaw's capabilities; the"
                    + " user must be able to read the app's files and the agent jar, and its files written from the app are its own.",
            Parsers.text());
    public static final Setting<String> GROUP = new Setting<>("group", "NAME|GID", "",
            "The group the app runs as, with --user. Empty: the user's primary group.",
            "A group of its own keeps the app's files out of other services' reach.",
            Parsers.text());
    public static final Setting<Boolean> APP_CHECKPOINT = new Setting<>("app-checkpoint", "true|false", "false",
            "The app asks for the checkpoint itself (org.crac Core.checkpointRestore()): wait for it instead of warming it up"
                    + " and sending CHECKPOINT. Implied by -Dspring.context.checkpoint=onRefresh in the java command."
                    + " Not with --warmup-url.",
            "The app decides when it is ready (Spring's onRefresh: before it serves), so it is dumped without a warm-up;"
                    + " workers compile their hot paths on their first requests.",
            Parsers.bool());
    public static final Setting<Boolean> PRIVATE_NETWORK = new Setting<>("private-network", "true|false", "false",
            "Run the leader, its warm-up and the dump in a network namespace of its own with only loopback: for a checkpoint"
                    + " on a machine where a pool already serves the app's port. The leader reaches no other host.",
            "Lets a new image be made beside a serving pool (thaw run's USR2 uses it); an app that needs a database or"
                    + " another host during its warm-up cannot reach it.",
            Parsers.bool());

    /** What {@code thaw check} and {@code thaw checkpoint} both take. */
    public static final List<Setting<?>> LEADER = List.of(WARMUP_URL, WARMUP_REQUESTS, WARMUP_JIT_WAIT, JIT_UNTAKEN_PATHS, YOUNG_GEN_MAX, CHECKPOINT_REHEARSAL, LEADER_READY_TIMEOUT, CHECKPOINT_TIMEOUT, USER,
            GROUP);
    /** {@code thaw checkpoint}'s: the leader's, and how it is checkpointed. */
    public static final List<Setting<?>> CHECKPOINT = Stream.concat(LEADER.stream(), Stream.of(DUMP_TIMEOUT, APP_CHECKPOINT, PRIVATE_NETWORK))
            .toList();

    /** {@code auto} is {@link #YOUNG_GEN_AUTO}; a number is MiB, 0 the JVM's own sizing. */
    public static final long YOUNG_GEN_AUTO = -1;

    static Long parseYoungGenMax(String text) {
        if (text.equals("auto")) {
            return YOUNG_GEN_AUTO;
        }
        try {
            return Parsers.mebibytes().apply(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected auto, or MiB (0 = the JVM's own sizing)");
        }
    }

    static List<URI> parseUrls(String text) {
        List<URI> urls = new ArrayList<>();
        for (String part : text.split("\\s+")) {
            if (part.isEmpty()) {
                continue;
            }
            URI url;
            try {
                url = new URI(part);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("'" + part + "' is not a URL: use e.g. http://127.0.0.1:8080/health");
            }
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                throw new IllegalArgumentException("'" + part + "' is not an http(s) URL: use e.g. http://127.0.0.1:8080/health");
            }
            urls.add(url);
        }
        return List.copyOf(urls);
    }
}
