package dev.thaw.bench;

import dev.thaw.ThawException;
import dev.thaw.criu.Criu;
import dev.thaw.host.Privileges;
import dev.thaw.image.ImageDirectory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

@Command(name = "thaw bench", sortOptions = false, mixinStandardHelpOptions = true, versionProvider = BenchMain.Version.class,
        description = {"Measure an app side by side: cold JVM, cold JVM with the JDK's AOT cache, and workers restored by thaw, both",
                "mapping the image (when CRIU has thaw's mmap-page-image patch) and copying it.",
                "Time to first HTTP 200, the first second of traffic, N workers restored at once and their memory (with and without page merging),",
                "and thaw run under load through HUP, kill -9 and TTIN; optionally next to a pre-fork server (gunicorn --preload).",
                "Writes bench.json, bench.md and img/*.png into --out after each scenario, so they grow as the run goes. A scenario that",
                "fails is reported there with its error and the run goes on with the next. Needs root (CRIU); takes minutes."},
        footer = {"", "Example:", "  thaw bench --url http://127.0.0.1:8080/health --load-url http://127.0.0.1:8080/items/42 --workers 1,2,4,8 --runs 5 \\",
                "      -- java -jar app.jar",
                "", "Exit codes: 0 every scenario measured; 6 some scenarios failed (bench.md and bench.json say which and why, and hold",
                "every other figure; the work directory is kept); 2 bad arguments; 4 no CRIU or not root; 1 the bench itself failed."})
public final class BenchCommand implements Callable<Integer> {
    /** Some scenarios failed: bench.md and bench.json list each with its error, and hold every other scenario's figures. */
    static final int EXIT_SCENARIOS_FAILED = 6;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", description = "Readiness probe: the app has started when this answers 200 (required).")
    URI probe;

    @Option(names = "--load-url", paramLabel = "URL", description = "URL the load generator sends, round robin; repeatable (default: --url).")
    List<URI> load = new ArrayList<>();

    @Option(names = {"-w", "--workers"}, split = ",", paramLabel = "N,N,...", defaultValue = "1,2,4,8",
            description = "Worker counts to measure memory for (default: ${DEFAULT-VALUE}).")
    List<Integer> workers;

    @Option(names = "--runs", paramLabel = "K", defaultValue = "5", description = "Start-ups per mode (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--connections", paramLabel = "C", defaultValue = "4",
            description = "Load generator connections per worker (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--warmup-requests", paramLabel = "N", defaultValue = "2000",
            description = "Warm-up requests before the checkpoint and in the AOT training run (default: ${DEFAULT-VALUE}).")
    int warmupRequests;

    @Option(names = "--steady-seconds", paramLabel = "S", defaultValue = "10",
            description = "Load before the steady-state window, in the last run (default: ${DEFAULT-VALUE}).")
    int steadySeconds;

    @Option(names = "--ksm-wait", paramLabel = "SECONDS", defaultValue = "90",
            description = "Longest wait for page merging to settle (default: ${DEFAULT-VALUE}).")
    int ksmWaitSeconds;

    @Option(names = "--ready-timeout", paramLabel = "SECONDS", defaultValue = "180",
            description = "How long a start may take to answer 200 (default: ${DEFAULT-VALUE}).")
    int readyTimeoutSeconds;

    @Option(names = "--no-aot", description = "Skip the AOT-cache mode.")
    boolean noAot;

    @Option(names = "--pool-workers", paramLabel = "N", defaultValue = "4",
            description = "Workers of the thaw run pool that a rolling restart (HUP) under load, kill -9 and TTIN are measured on; 0 skips it (default: ${DEFAULT-VALUE}).")
    int poolWorkers;

    @Option(names = "--economy-runs", paramLabel = "K", defaultValue = "3",
            description = {"Restores per image when comparing the image with and without the heap shrunk before the dump, and generation 1",
                    "with a generation reforked under load; with it, PSS per worker after --sharing-seconds of load for the default",
                    "and the tuned leader (-XX:MaxNewSize=48m). 0 skips all three (default: ${DEFAULT-VALUE})."})
    int economyRuns;

    @Option(names = "--sharing-seconds", paramLabel = "S", defaultValue = "20",
            description = "The fixed load before the per-worker PSS of the default and the tuned leader (default: ${DEFAULT-VALUE}).")
    int sharingSeconds;

    @Option(names = "--large-image-flag", paramLabel = "FLAG",
            description = {"A leader flag that makes a larger image of the app, e.g. -Dsample.dataset.mb=750 (it replaces the command's own",
                    "setting of that name): the app is checkpointed again with it, and one worker at a time is restored from each image",
                    "in each mode, --large-image-runs times, interleaved (default: not measured)."})
    String largeImageFlag;

    @Option(names = "--large-image-runs", paramLabel = "K", defaultValue = "3",
            description = "Restores per image and mode with --large-image-flag (default: ${DEFAULT-VALUE}).")
    int largeImageRuns;

    @Option(names = "--reference-server", paramLabel = "COMMAND",
            description = {"A pre-fork server to measure next to thaw (shell command line), e.g. gunicorn --preload -w 1 ...:",
                    "started with 1 worker and grown with TTIN; it must print 'ready pid=N' when a worker is ready."})
    String referenceCommand;

    @Option(names = "--reference-url", paramLabel = "URL", description = "The reference server's probe and load URL.")
    URI referenceUrl;

    @Option(names = "--reference-name", paramLabel = "NAME", description = "The reference server's name in the report (default: its command's first word).")
    String referenceName;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "thaw-bench", description = "Where the results go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--keep-work", description = "Keep the work directory (image, AOT cache, JVM logs) instead of deleting it.")
    boolean keepWork;

    @Option(names = "--render", paramLabel = "BENCH_JSON",
            description = "Measure nothing: render bench.md and the charts again from a bench.json of an earlier run, into --out.")
    Path render;

    @Parameters(paramLabel = "JAVA_COMMAND", arity = "0..*", description = "The app's java command line, after '--' (required).")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (render != null) {
            return renderAgain();
        }
        validate();
        Criu criu = Criu.locate();
        Privileges.require("thaw bench");
        Path work = Files.createTempDirectory("thaw-bench-");
        BenchSettings settings = new BenchSettings(command, probe, load, workers.stream().sorted().distinct().toList(), runs,
                connections, warmupRequests, steadySeconds, ksmWaitSeconds, readyTimeoutSeconds, !noAot, poolWorkers,
                economyRuns, sharingSeconds, largeImageFlag, largeImageRuns,
                referenceCommand == null ? null : referenceName != null ? referenceName : referenceCommand.strip().split("\\s+")[0],
                referenceCommand, referenceUrl, out.toAbsolutePath(), work, ThawCommand.locate());
        boolean ok = false;
        try {
            BenchResult result = new Bench(settings, criu, BenchMain.printer(spec.commandLine().getOut())).run();
            spec.commandLine().getOut().println("thaw: wrote bench.json, bench.md and img/*.png into " + settings.out());
            ok = result.failures().isEmpty();
            return exitCode(result);
        } finally {
            if (ok && !keepWork) {
                ImageDirectory.deleteRecursively(work);
            } else {
                spec.commandLine().getOut().println("thaw: work directory kept: " + work);
            }
        }
    }

    /** 0 when every scenario was measured; {@link #EXIT_SCENARIOS_FAILED} when some failed (the report has the rest). */
    static int exitCode(BenchResult result) {
        if (result.failures().isEmpty()) {
            return 0;
        }
        return EXIT_SCENARIOS_FAILED;
    }

    private int renderAgain() throws java.io.IOException {
        if (!Files.isRegularFile(render)) {
            throw new ThawException(ThawException.EXIT_USAGE, "--render " + render + ": no such file; give the bench.json of an earlier run");
        }
        BenchResult result;
        try {
            result = Reports.read(render);
        } catch (java.io.IOException e) {
            throw new ThawException(ThawException.EXIT_USAGE, "--render " + render + " is not a bench.json of this thaw: " + e.getMessage());
        }
        for (Path file : Reports.write(result, out.toAbsolutePath())) {
            spec.commandLine().getOut().println("thaw: wrote " + file);
        }
        return 0;
    }


    private void validate() {
        if (probe == null || command.isEmpty()) {
            throw new ThawException(ThawException.EXIT_USAGE, "thaw bench needs --url and the app's command after '--', "
                    + "e.g. thaw bench --url http://127.0.0.1:8080/health -- java -jar app.jar");
        }
        if (referenceCommand != null && (referenceUrl == null || !"http".equals(referenceUrl.getScheme()))) {
            throw new ThawException(ThawException.EXIT_USAGE, "--reference-server needs --reference-url, a plain http URL of that server");
        }
        if (referenceUrl != null && referenceUrl.getPort() == probe.getPort()) {
            throw new ThawException(ThawException.EXIT_USAGE, "--reference-url must use another port than --url: both servers are measured in one run");
        }
        if (economyRuns < 0 || economyRuns > 20) {
            throw new ThawException(ThawException.EXIT_USAGE, "--economy-runs must be 0 (skip) to 20");
        }
        if (largeImageRuns < 0 || largeImageRuns > 20) {
            throw new ThawException(ThawException.EXIT_USAGE, "--large-image-runs must be 0 (skip) to 20");
        }
        if (largeImageFlag != null && !largeImageFlag.startsWith("-")) {
            throw new ThawException(ThawException.EXIT_USAGE, "--large-image-flag must be a JVM flag, e.g. -Dsample.dataset.mb=750");
        }
        if (sharingSeconds < 1 || sharingSeconds > 600) {
            throw new ThawException(ThawException.EXIT_USAGE, "--sharing-seconds must be 1 to 600");
        }
        if (poolWorkers < 0 || poolWorkers > 64) {
            throw new ThawException(ThawException.EXIT_USAGE, "--pool-workers must be 0 (skip) to 64");
        }
        if (!"http".equals(probe.getScheme()) || probe.getHost() == null) {
            throw new ThawException(ThawException.EXIT_USAGE, "--url " + probe + " must be a plain http URL, e.g. http://127.0.0.1:8080/health");
        }
        for (URI u : load) {
            if (!"http".equals(u.getScheme()) || !u.getHost().equals(probe.getHost()) || u.getPort() != probe.getPort()) {
                throw new ThawException(ThawException.EXIT_USAGE, "--load-url " + u + " must be http on the same host and port as --url");
            }
        }
        if (workers.isEmpty() || workers.stream().anyMatch(n -> n < 1 || n > 64)) {
            throw new ThawException(ThawException.EXIT_USAGE, "--workers must list counts from 1 to 64, e.g. 1,2,4,8");
        }
        if (runs < 1 || runs > 100 || connections < 1 || connections > 256) {
            throw new ThawException(ThawException.EXIT_USAGE, "--runs must be 1..100 and --connections 1..256");
        }
        if (warmupRequests < 0 || steadySeconds < 0 || ksmWaitSeconds < 0 || readyTimeoutSeconds < 1) {
            throw new ThawException(ThawException.EXIT_USAGE, "--warmup-requests, --steady-seconds and --ksm-wait must be >= 0, --ready-timeout >= 1");
        }
    }
}
