package dev.thaw.cli;

import dev.thaw.config.CheckpointSettings;
import dev.thaw.config.SettingSources;
import dev.thaw.leader.UntakenPaths;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code thaw checkpoint} and {@code thaw check} add to the leader's command line, built in one place
 * so that a check runs the leader exactly as the checkpoint would: the JIT's options, then the guardrail's.
 */
final class LeaderOptions {
    private LeaderOptions() {
    }

    static List<String> of(CheckpointSettings settings, SettingSources sources) {
        List<String> options = new ArrayList<>(UntakenPaths.leaderOptions(settings.compileUntakenPaths()));
        options.addAll(GuardrailOptions.leaderProperties(sources));
        return options;
    }
}
