package dev.thaw.bench;

import dev.thaw.ThawException;
import dev.thaw.criu.Criu;
import dev.thaw.host.Privileges;
import dev.thaw.image.ImageDirectory;
import dev.thaw.cli.SettingOptions;
import dev.thaw.config.SettingSources;
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
                "", "Every setting below is also read from THAW_<NAME> and the --config file (flag > THAW_* > file > default); the",
                "settings shared with thaw checkpoint and thaw run are the same declarations, with the same defaults (docs/bench-settings.md):",
                "--warmup-url, --warmup-requests and --leader-ready-timeout are thaw checkpoint's, given to the bench's leaders (and to its",
                "AOT training run; the timeout bounds every cold start and every wait for workers); --restore-mode is thaw run's, for the",
                "pool it measures and the standard restores (copy is always measured next to map); --user and --group are thaw",
                "checkpoint's: every JVM of the app the bench starts (the leader and so every restored worker, the cold JVMs, the AOT",
                "training run) runs as that user, without capabilities. A --reference-server drops privileges itself, if it does.",
                "", "Exit codes: 0 every scenario measured; 6 some scenarios failed (bench.md and bench.json say which and why, and hold",
                "every other figure; the work directory is kept); 2 bad arguments; 4 no CRIU or not root; 1 the bench itself failed."})
public final class BenchCommand implements Callable<Integer> {
    /** Some scenarios failed: bench.md and bench.json list each with its error, and hold every other scenario's figures. */
    static final int EXIT_SCENARIOS_FAILED = 6;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Not a setting but another action: render an earlier run's report again. */
    @Option(names = "--render", paramLabel = "BENCH_JSON",
            description = "Measure nothing: render bench.md and the charts again from a bench.json of an earlier run, into --out.")
    Path render;

    /** With --render: other apps measured in the same run, whose first second joins the report (scripts/bench's Spring sample). */
    @Option(names = "--first-second-of", paramLabel = "NAME=BENCH_JSON",
            description = {"With --render: add another app's first second, from the bench.json of its own run, as a section of the report",
                    "and rows in issue 12's targets; NAME is how the report calls it. Repeatable."})
    List<String> otherApps = new ArrayList<>();

    @Parameters(paramLabel = "JAVA_COMMAND", arity = "0..*", description = "The app's java command line, after '--' (required).")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        SettingSources sources = SettingOptions.sources(spec, BenchSettingsSpec.ALL, System.getenv());
        if (render != null) {
            return renderAgain(sources.value(BenchSettingsSpec.OUT).toAbsolutePath());
        }
        if (!otherApps.isEmpty()) {
            throw new ThawException(ThawException.EXIT_USAGE, "--first-second-of only joins an earlier run's report: give it with --render BENCH_JSON");
        }
        BenchSettings.from(sources, command, Path.of("work"), List.of()); // every bad setting fails here, before CRIU, root or any work
        Criu criu = Criu.locate();
        Privileges.require("thaw bench");
        Path work = Files.createTempDirectory("thaw-bench-");
        BenchSettings settings = BenchSettings.from(sources, command, work, ThawCommand.locate());
        boolean ok = false;
        try {
            BenchResult result = new Bench(settings, criu, BenchMain.printer(spec.commandLine().getOut())).run();
            spec.commandLine().getOut().println("thaw: wrote bench.json, bench.md and img/*.png into " + settings.out());
            ok = result.failures().isEmpty();
            return exitCode(result);
        } finally {
            if (ok && !sources.value(BenchSettingsSpec.KEEP_WORK)) {
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

    private int renderAgain(Path out) throws java.io.IOException {
        if (!Files.isRegularFile(render)) {
            throw new ThawException(ThawException.EXIT_USAGE, "--render " + render + ": no such file; give the bench.json of an earlier run");
        }
        BenchResult result;
        try {
            result = Reports.read(render);
        } catch (java.io.IOException e) {
            throw new ThawException(ThawException.EXIT_USAGE, "--render " + render + " is not a bench.json of this thaw: " + e.getMessage());
        }
        List<OtherApp> others = otherApps.stream().map(OtherApp::parse).toList();
        for (Path file : Reports.write(result, out.toAbsolutePath(), others)) {
            spec.commandLine().getOut().println("thaw: wrote " + file);
        }
        return 0;
    }
}
