package dev.thaw.cli;

import dev.thaw.config.CheckpointSettings;
import dev.thaw.config.SettingSources;
import dev.thaw.leader.UntakenPaths;
import dev.thaw.leader.YoungGeneration;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code thaw checkpoint} and {@code thaw check} add to the leader's command line, built in one place
 * so that a check runs the leader exactly as the checkpoint would: the JIT's options, the young generation's
 * bound, then the guardrail's.
 *
 * @param options the leader's options, placed before the app's own
 * @param said    what thaw tells the user about them, once, as the leader starts
 */
record LeaderOptions(List<String> options, String said) {
    static LeaderOptions of(CheckpointSettings settings, SettingSources sources, List<String> javaCommand) {
        List<String> options = new ArrayList<>(UntakenPaths.leaderOptions(settings.compileUntakenPaths()));
        YoungGeneration.Decision young = YoungGeneration.forLeader(settings.youngGenMaxMib(), javaCommand, System.getenv());
        options.addAll(young.options());
        options.addAll(GuardrailOptions.leaderProperties(sources));
        return new LeaderOptions(List.copyOf(options), young.said());
    }
}
