package dev.thaw.config;

import dev.thaw.host.AppUser;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The validated leader settings of one {@code thaw checkpoint} or {@code thaw check} (see
 * {@link CheckpointSettingsSpec} for what each one means): read once, checked against each other and
 * against the java command here, then immutable.
 *
 * @param appCheckpoint the app asks for its checkpoint itself: --app-checkpoint, or Spring's onRefresh in the command
 * @param compileUntakenPaths --jit-untaken-paths=compile: the leader's JIT compiles paths the warm-up never took
 * @param youngGenMaxMib --young-gen-max: the leader's young generation bound in MiB, 0 for the JVM's own sizing,
 *                       {@link CheckpointSettingsSpec#YOUNG_GEN_AUTO} for 1/32 of the heap (at least 64 MiB)
 * @param rehearse --checkpoint-rehearsal: beforeCheckpoint once and the warm-up again before the real checkpoint
 */
public record CheckpointSettings(List<URI> warmupUrls, int warmupRequests, Duration warmupJitWait, Duration leaderReadyTimeout,
                                 Duration checkpointTimeout, Duration dumpTimeout, boolean appCheckpoint, boolean privateNetwork,
                                 AppUser appUser, boolean compileUntakenPaths, long youngGenMaxMib,
                                 boolean rehearse) {
    /** Spring Framework's property that makes the app checkpoint itself once its context is refreshed. */
    public static final String SPRING_CHECKPOINT = "-Dspring.context.checkpoint=onRefresh";

    public CheckpointSettings {
        warmupUrls = List.copyOf(warmupUrls);
    }

    /** {@code thaw checkpoint} of {@code javaCommand}: thaw must be able to tell when the app is ready, in one way only. */
    public static CheckpointSettings forCheckpoint(SettingSources s, List<String> javaCommand) {
        boolean askedFor = s.value(CheckpointSettingsSpec.APP_CHECKPOINT);
        boolean spring = javaCommand.contains(SPRING_CHECKPOINT);
        CheckpointSettings settings = new CheckpointSettings(s.value(CheckpointSettingsSpec.WARMUP_URL),
                s.value(CheckpointSettingsSpec.WARMUP_REQUESTS), s.value(CheckpointSettingsSpec.WARMUP_JIT_WAIT),
                s.value(CheckpointSettingsSpec.LEADER_READY_TIMEOUT),
                s.value(CheckpointSettingsSpec.CHECKPOINT_TIMEOUT), s.value(CheckpointSettingsSpec.DUMP_TIMEOUT), askedFor || spring,
                s.value(CheckpointSettingsSpec.PRIVATE_NETWORK), appUser(s), compileUntakenPaths(s), s.value(CheckpointSettingsSpec.YOUNG_GEN_MAX),
                s.value(CheckpointSettingsSpec.CHECKPOINT_REHEARSAL) && !askedFor && !spring);
        if (!settings.appCheckpoint() && settings.warmupUrls().isEmpty()) {
            throw new SettingException("thaw cannot tell when the app is ready to be checkpointed: give --warmup-url URL (thaw waits for a 200,"
                    + " warms the app up, then dumps it) or --app-checkpoint (the app asks for the checkpoint itself)");
        }
        if (settings.appCheckpoint() && !settings.warmupUrls().isEmpty()) {
            throw new SettingException("--warmup-url cannot be used when the app checkpoints itself (" + (askedFor ? "--app-checkpoint" : SPRING_CHECKPOINT)
                    + "): it is dumped before it serves; drop --warmup-url");
        }
        return settings;
    }

    /** --user and --group resolved on this host; null when the app runs as thaw's own user. Also thaw bench's. */
    public static AppUser appUser(SettingSources s) {
        String user = s.value(CheckpointSettingsSpec.USER);
        String group = s.value(CheckpointSettingsSpec.GROUP);
        if (user.isEmpty() && !group.isEmpty()) {
            throw new SettingException("--group " + group + " needs --user: give the user the app runs as");
        }
        return user.isEmpty() ? null : AppUser.resolve(user, group);
    }

    private static boolean compileUntakenPaths(SettingSources s) {
        return s.value(CheckpointSettingsSpec.JIT_UNTAKEN_PATHS).equals("compile");
    }

    /** {@code thaw check}: it has no other way than a warm-up URL to know the app has started. */
    public static CheckpointSettings forCheck(SettingSources s) {
        CheckpointSettings settings = new CheckpointSettings(s.value(CheckpointSettingsSpec.WARMUP_URL),
                s.value(CheckpointSettingsSpec.WARMUP_REQUESTS), s.value(CheckpointSettingsSpec.WARMUP_JIT_WAIT),
                s.value(CheckpointSettingsSpec.LEADER_READY_TIMEOUT),
                s.value(CheckpointSettingsSpec.CHECKPOINT_TIMEOUT), CheckpointSettingsSpec.DUMP_TIMEOUT.parseValue(CheckpointSettingsSpec.DUMP_TIMEOUT.defaultValue(), "its default") /* check never dumps */, false, false,
                appUser(s), compileUntakenPaths(s), s.value(CheckpointSettingsSpec.YOUNG_GEN_MAX),
                s.value(CheckpointSettingsSpec.CHECKPOINT_REHEARSAL));
        if (settings.warmupUrls().isEmpty()) {
            throw new SettingException("thaw check needs --warmup-url URL: without it, it cannot tell when the app has started, and would"
                    + " check an app that has not opened anything yet");
        }
        return settings;
    }
}
