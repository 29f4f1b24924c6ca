package dev.thaw.leader;

import dev.thaw.host.AppUser;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything one checkpoint needs, validated by the CLI before it is built.
 *
 * @param warmupUrls the first URL is also the readiness probe; empty only when the app asks for the checkpoint itself
 * @param readyTimeout how long the leader may take to connect and answer its first 200
 * @param checkpointTimeout how long beforeCheckpoint may take
 * @param generation the image's generation: 1 for a first image, one more than the serving image's
 *     when 'thaw run' makes the next one (USR2)
 * @param checkpointArguments recorded in the manifest, see {@link ImageManifest#checkpointArguments()}
 * @param leaderProperties thaw's JVM options for the leader, before the app's: the JIT's (--jit-untaken-paths), the guardrail's
 *     settings, detective mode
 * @param appUser the user the app runs as (--user), null for thaw's own
 * @param dumpTimeout how long criu dump may take before it is killed (--dump-timeout)
 * @param appCheckpoint the app asks for the checkpoint itself (org.crac {@code Core.checkpointRestore()},
 *        e.g. Spring's {@code -Dspring.context.checkpoint=onRefresh}): no warm-up, no CHECKPOINT message
 * @param warmupJitWait how long the warm-up may go on, after its requests, while the leader's JIT is busy (--warmup-jit-wait)
 * @param rehearse  run beforeCheckpoint once and warm up again before the real checkpoint (--checkpoint-rehearsal)
 */
public record CheckpointRequest(Path image, boolean force, List<String> command, Path workingDirectory,
                                List<URI> warmupUrls, int warmupRequests, Duration readyTimeout,
                                Duration checkpointTimeout, Path agentJar, long generation,
                                List<String> checkpointArguments, List<String> leaderProperties,
                                boolean appCheckpoint, Duration dumpTimeout, AppUser appUser, Duration warmupJitWait,
                                boolean rehearse) {
    /** --dump-timeout's default, for requests that never dump (thaw check) or do not say. */
    public static final Duration DEFAULT_DUMP_TIMEOUT = Duration.ofMinutes(10);

    public CheckpointRequest {
        command = List.copyOf(command);
        checkpointArguments = List.copyOf(checkpointArguments);
        warmupUrls = List.copyOf(warmupUrls);
        leaderProperties = List.copyOf(leaderProperties);
        if (appCheckpoint && !warmupUrls.isEmpty()) {
            throw new IllegalArgumentException("an app that checkpoints itself is not warmed up by thaw");
        }
    }

    /** thaw warms the leader up and asks for the checkpoint. */
    public CheckpointRequest(Path image, boolean force, List<String> command, Path workingDirectory,
                             List<URI> warmupUrls, int warmupRequests, Duration readyTimeout,
                             Duration checkpointTimeout, Path agentJar, long generation, List<String> checkpointArguments,
                             List<String> leaderProperties) {
        this(image, force, command, workingDirectory, warmupUrls, warmupRequests, readyTimeout, checkpointTimeout,
                agentJar, generation, checkpointArguments, leaderProperties, false, DEFAULT_DUMP_TIMEOUT, null, Duration.ZERO, false);
    }

    /** With the guardrail's defaults; thaw warms the leader up and asks for the checkpoint. */
    public CheckpointRequest(Path image, boolean force, List<String> command, Path workingDirectory,
                             List<URI> warmupUrls, int warmupRequests, Duration readyTimeout,
                             Duration checkpointTimeout, Path agentJar, long generation, List<String> checkpointArguments) {
        this(image, force, command, workingDirectory, warmupUrls, warmupRequests, readyTimeout, checkpointTimeout,
                agentJar, generation, checkpointArguments, List.of(), false, DEFAULT_DUMP_TIMEOUT, null, Duration.ZERO, false);
    }
}
