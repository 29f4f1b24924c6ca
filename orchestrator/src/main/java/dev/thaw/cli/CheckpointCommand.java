package dev.thaw.cli;

import dev.thaw.ThawException;
import dev.thaw.config.CheckpointSettings;
import dev.thaw.config.SettingSources;
import dev.thaw.criu.Criu;
import dev.thaw.host.Privileges;
import dev.thaw.leader.CheckpointRequest;
import dev.thaw.leader.Checkpointer;
import dev.thaw.leader.PrivateNetwork;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Its settings (warm-up, timeouts, guardrail) are declared in dev.thaw.config and added by {@link SettingOptions}. */
@Command(name = "checkpoint", sortOptions = false,
        description = {"Start the app as the leader, warm it up, run its beforeCheckpoint callbacks and dump it with CRIU into an image.",
                "The image is written atomically: an existing image is replaced only by a complete new one (--force).",
                "Right before the dump the guardrail refuses anything still open that must not cross it; --detective shows where the app created each offender (docs/guardrails.md).",
                "Every setting below also reads THAW_<NAME> and the --config file (docs/settings.md)."},
        footer = {"", "Example:", "  thaw checkpoint --image /var/lib/thaw/app --warmup-url http://127.0.0.1:8080/health --warmup-requests 2000 -- java -jar app.jar"})
public final class CheckpointCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--image", required = true, paramLabel = "DIR", description = "Image directory to write.")
    Path image;

    @Option(names = "--force", description = "Replace an existing image (atomically, once the new one is complete).")
    boolean force;

    /** Set by 'thaw run' when it makes the next image on USR2; not for users. */
    @Option(names = "--generation", hidden = true, defaultValue = "1")
    long generation;

    @Parameters(paramLabel = "JAVA_COMMAND", arity = "1..*", description = "The app's java command line, after '--'.")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        if (generation < 1) {
            throw new ThawException(ThawException.EXIT_USAGE, "--generation must be >= 1");
        }
        SettingSources sources = SettingOptions.sources(spec);
        CheckpointSettings settings = CheckpointSettings.forCheckpoint(sources, command);
        LeaderOptions leader = LeaderOptions.of(settings, sources, command);
        List<String> leaderProperties = leader.options();
        if (settings.privateNetwork() && !PrivateNetwork.inside()) {
            return againInPrivateNetwork();
        }
        PrintWriter out = spec.commandLine().getOut();
        Criu criu = Criu.locate();
        // Privileges first: without CAP_SYS_ADMIN 'criu check' fails too, and its hint (setcap cap_checkpoint_restore
        // on criu) would not let thaw run.
        Privileges.require("thaw checkpoint");
        criu.check().ifPresent(problem -> {
            throw ThawException.environment("'criu check' fails on this machine: " + problem + ": run 'thaw doctor'");
        });
        CheckpointRequest request = new CheckpointRequest(image, force, command, Path.of("").toAbsolutePath(),
                settings.warmupUrls(), settings.warmupRequests(), settings.leaderReadyTimeout(), settings.checkpointTimeout(),
                ThawCli.agentJar(), generation, ReplayArguments.of(spec.commandLine().getParseResult().originalArgs()),
                leaderProperties, settings.appCheckpoint(), settings.dumpTimeout(), settings.appUser(), settings.warmupJitWait(),
                settings.rehearse());
        Progress.printer(out).say("checkpoint of " + dev.thaw.leader.LeaderCommand.describe(command));
        Progress.printer(out).say(leader.said());
        new Checkpointer(criu, Progress.printer(out)).checkpoint(request);
        return 0;
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
}
