package dev.thaw.cli;

import dev.thaw.leader.CheckpointRequest;
import dev.thaw.leader.Checkpointer;
import dev.thaw.ThawException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "check", sortOptions = false,
        description = {"Start the app as a leader would be, warm it up, run its beforeCheckpoint callbacks and the guardrail, print the report and stop the app.",
                "Exit code 0: it can be checkpointed; 1: the guardrail refused. Writes no image and needs neither CRIU nor root: run it in CI so that a regression breaks the build (docs/guardrails.md)."},
        footer = {"", "Example:", "  thaw check --detective --warmup-url http://127.0.0.1:8080/health -- java -jar app.jar"})
public final class CheckCommand implements Callable<Integer> {
    static final int EXIT_REFUSED = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--warmup-url", paramLabel = "URL", description = {"URL to warm up the app with; repeatable.",
            "The first one is polled until it answers 200. Required: without it thaw cannot tell when the app has started."})
    List<URI> warmupUrls = new ArrayList<>();

    @Option(names = "--warmup-requests", paramLabel = "N", defaultValue = "100",
            description = "Warm-up requests sent round robin over the URLs after the first 200 (default: ${DEFAULT-VALUE}).")
    int warmupRequests;

    @Option(names = "--ready-timeout", paramLabel = "SECONDS", defaultValue = "180",
            description = "How long the app may take to start and answer 200 (default: ${DEFAULT-VALUE}).")
    long readyTimeoutSeconds;

    @Option(names = "--checkpoint-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long the app's beforeCheckpoint callbacks may take (default: ${DEFAULT-VALUE}).")
    long checkpointTimeoutSeconds;

    @Parameters(paramLabel = "JAVA_COMMAND", arity = "1..*", description = "The app's java command line, after '--'.")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        if (warmupUrls.isEmpty()) {
            throw new ThawException(ThawException.EXIT_USAGE, "thaw check needs --warmup-url URL: without it, it cannot tell"
                    + " when the app has started, and would check an app that has not opened anything yet");
        }
        if (warmupRequests < 0 || readyTimeoutSeconds < 1 || checkpointTimeoutSeconds < 1) {
            throw new ThawException(ThawException.EXIT_USAGE, "--warmup-requests must be >= 0 and timeouts at least 1 second");
        }
        List<String> leaderProperties = GuardrailOptions.leaderProperties(spec); // validates the settings first
        PrintWriter out = spec.commandLine().getOut();
        CheckpointRequest request = new CheckpointRequest(null, false, command, Path.of("").toAbsolutePath(), warmupUrls,
                warmupRequests, Duration.ofSeconds(readyTimeoutSeconds), Duration.ofSeconds(checkpointTimeoutSeconds),
                ThawCli.agentJar(), 0, List.of(), leaderProperties);
        dev.thaw.leader.Progress progress = Progress.printer(out);
        progress.say("check of " + String.join(" ", command));
        Checkpointer.GuardrailVerdict verdict = new Checkpointer(null, progress).check(request);
        verdict.report().lines().forEach(progress::say);
        progress.say(verdict.passed() ? "check passed: this app can be checkpointed"
                : "check failed: fix the offenders above (docs/guardrails.md)");
        return verdict.passed() ? 0 : EXIT_REFUSED;
    }
}
