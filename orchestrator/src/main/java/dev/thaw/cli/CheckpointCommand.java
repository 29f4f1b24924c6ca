package dev.thaw.cli;

import dev.thaw.leader.CheckpointRequest;
import dev.thaw.leader.Checkpointer;
import dev.thaw.criu.Criu;
import dev.thaw.host.Privileges;
import dev.thaw.leader.PrivateNetwork;
import dev.thaw.ThawException;
import java.io.IOException;
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

@Command(name = "checkpoint", sortOptions = false,
        description = {"Start the app as the leader, warm it up, run its beforeCheckpoint callbacks and dump it with CRIU into an image.",
                "The image is written atomically: an existing image is replaced only by a complete new one (--force).",
                "Right before the dump the guardrail refuses anything still open that must not cross it; --detective shows where the app created each offender (docs/guardrails.md)."},
        footer = {"", "Example:", "  thaw checkpoint --image /var/lib/thaw/app --warmup-url http://127.0.0.1:8080/health --warmup-requests 2000 -- java -jar app.jar"})
public final class CheckpointCommand implements Callable<Integer> {
    /** Spring Framework's property that makes the app checkpoint itself once its context is refreshed. */
    static final String SPRING_CHECKPOINT = "spring.context.checkpoint";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--image", required = true, paramLabel = "DIR", description = "Image directory to write.")
    Path image;

    @Option(names = "--force", description = "Replace an existing image (atomically, once the new one is complete).")
    boolean force;

    @Option(names = "--warmup-url", paramLabel = "URL", description = {"URL to warm up the leader with; repeatable.",
            "The first one is polled until it answers 200. Without any, --app-checkpoint is required."})
    List<URI> warmupUrls = new ArrayList<>();

    @Option(names = "--warmup-requests", paramLabel = "N", defaultValue = "1000",
            description = "Warm-up requests sent round robin over the URLs after the first 200 (default: ${DEFAULT-VALUE}).")
    int warmupRequests;

    @Option(names = "--ready-timeout", paramLabel = "SECONDS", defaultValue = "180",
            description = "How long the leader may take to start and answer 200 (default: ${DEFAULT-VALUE}).")
    long readyTimeoutSeconds;

    @Option(names = "--checkpoint-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long the leader's beforeCheckpoint callbacks may take (default: ${DEFAULT-VALUE}).")
    long checkpointTimeoutSeconds;

    @Option(names = "--app-checkpoint", description = {"The app asks for the checkpoint itself (org.crac Core.checkpointRestore()):",
            "wait for it instead of warming it up and sending CHECKPOINT. Implied by -D" + SPRING_CHECKPOINT + "=onRefresh in the java command."})
    boolean appCheckpoint;

    @Option(names = "--private-network", description = {"Run the leader, its warm-up and the dump in a network namespace of its own with only",
            "loopback: for a checkpoint on a machine where a pool already serves the app's port. The leader reaches no other host."})
    boolean privateNetwork;

    /** Set by 'thaw run' when it makes the next image on USR2; not for users. */
    @Option(names = "--generation", hidden = true, defaultValue = "1")
    long generation;

    @Parameters(paramLabel = "JAVA_COMMAND", arity = "1..*", description = "The app's java command line, after '--'.")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        validate();
        List<String> leaderProperties = GuardrailOptions.leaderProperties(spec); // validates the guardrail settings
        if (privateNetwork && !PrivateNetwork.inside()) {
            return againInPrivateNetwork();
        }
        PrintWriter out = spec.commandLine().getOut();
        Criu criu = Criu.locate();
        criu.check().ifPresent(problem -> {
            throw ThawException.environment("'criu check' fails on this machine: " + problem + ": run 'thaw doctor'");
        });
        Privileges.require("thaw checkpoint");
        CheckpointRequest request = new CheckpointRequest(image, force, command, Path.of("").toAbsolutePath(),
                warmupUrls, warmupRequests, Duration.ofSeconds(readyTimeoutSeconds),
                Duration.ofSeconds(checkpointTimeoutSeconds), ThawCli.agentJar(), generation,
                ReplayArguments.of(spec.commandLine().getParseResult().originalArgs()), leaderProperties,
                appCheckpoint || springCheckpointsOnRefresh());
        Progress.printer(out).say("checkpoint of " + String.join(" ", command));
        new Checkpointer(criu, Progress.printer(out)).checkpoint(request);
        return 0;
    }

    private boolean springCheckpointsOnRefresh() {
        return command.contains("-D" + SPRING_CHECKPOINT + "=onRefresh");
    }

    /** This same command, run again by a child in a new network namespace; its exit code is ours. */
    private int againInPrivateNetwork() throws IOException, InterruptedException {
        List<String> self = new ArrayList<>(SelfCommand.get());
        self.add("checkpoint");
        self.addAll(ReplayArguments.afterSubcommand(spec.commandLine().getParseResult().originalArgs()));
        ProcessBuilder pb = new ProcessBuilder(PrivateNetwork.wrap(self)).inheritIO();
        pb.environment().put(PrivateNetwork.INSIDE, "1");
        return pb.start().waitFor();
    }

    private void validate() {
        if (!appCheckpoint && !springCheckpointsOnRefresh() && warmupUrls.isEmpty()) {
            throw new ThawException(ThawException.EXIT_USAGE, "thaw cannot tell when the app is ready to be checkpointed:"
                    + " give --warmup-url URL (thaw waits for a 200, warms the app up, then dumps it) or --app-checkpoint"
                    + " (the app asks for the checkpoint itself)");
        }
        if ((appCheckpoint || springCheckpointsOnRefresh()) && !warmupUrls.isEmpty()) {
            throw new ThawException(ThawException.EXIT_USAGE, "--warmup-url cannot be used when the app checkpoints itself"
                    + (appCheckpoint ? " (--app-checkpoint)" : " (-D" + SPRING_CHECKPOINT + "=onRefresh)")
                    + ": it is dumped before it serves; drop --warmup-url");
        }
        for (URI url : warmupUrls) {
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                throw new ThawException(ThawException.EXIT_USAGE, "--warmup-url " + url + " is not an http(s) URL: use e.g. http://127.0.0.1:8080/health");
            }
        }
        if (warmupRequests < 0) {
            throw new ThawException(ThawException.EXIT_USAGE, "--warmup-requests must be >= 0");
        }
        if (generation < 1) {
            throw new ThawException(ThawException.EXIT_USAGE, "--generation must be >= 1");
        }
        if (readyTimeoutSeconds < 1 || checkpointTimeoutSeconds < 1) {
            throw new ThawException(ThawException.EXIT_USAGE, "timeouts must be at least 1 second");
        }
    }
}
