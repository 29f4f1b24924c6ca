package dev.thaw.cli;

import dev.thaw.config.CheckpointSettings;
import dev.thaw.config.SettingSources;
import dev.thaw.leader.CheckpointRequest;
import dev.thaw.leader.Checkpointer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Its settings are thaw checkpoint's leader and guardrail settings, declared in dev.thaw.config and added by {@link SettingOptions}. */
@Command(name = "check", sortOptions = false,
        description = {"Start the app as a leader would be, warm it up, run its beforeCheckpoint callbacks and the guardrail, print the report and stop the app.",
                "Exit code 0: it can be checkpointed; 1: the guardrail refused. Writes no image and needs neither CRIU nor root: run it in CI so that a regression breaks the build (docs/guardrails.md).",
                "It takes thaw checkpoint's settings, with the same defaults; each also reads THAW_<NAME> and the --config file (docs/settings.md)."},
        footer = {"", "Example:", "  thaw check --detective --warmup-url http://127.0.0.1:8080/health -- java -jar app.jar"})
public final class CheckCommand implements Callable<Integer> {
    static final int EXIT_REFUSED = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "JAVA_COMMAND", arity = "1..*", description = "The app's java command line, after '--'.")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        SettingSources sources = SettingOptions.sources(spec);
        CheckpointSettings settings = CheckpointSettings.forCheck(sources);
        LeaderOptions leader = LeaderOptions.of(settings, sources, command);
        List<String> leaderProperties = leader.options();
        PrintWriter out = spec.commandLine().getOut();
        CheckpointRequest request = new CheckpointRequest(null, false, command, Path.of("").toAbsolutePath(), settings.warmupUrls(),
                settings.warmupRequests(), settings.leaderReadyTimeout(), settings.checkpointTimeout(),
                ThawCli.agentJar(), 0, List.of(), leaderProperties, false, CheckpointRequest.DEFAULT_DUMP_TIMEOUT, settings.appUser(),
                settings.warmupJitWait(), settings.rehearse());
        dev.thaw.leader.Progress progress = Progress.printer(out);
        progress.say("check of " + dev.thaw.leader.LeaderCommand.describe(command));
        progress.say(leader.said());
        Checkpointer.GuardrailVerdict verdict = new Checkpointer(null, progress).check(request);
        verdict.report().lines().forEach(progress::say);
        progress.say(verdict.passed() ? "check passed: this app can be checkpointed"
                : "check failed: fix the offenders above (docs/guardrails.md)");
        return verdict.passed() ? 0 : EXIT_REFUSED;
    }
}
