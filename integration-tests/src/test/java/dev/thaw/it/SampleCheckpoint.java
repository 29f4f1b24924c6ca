package dev.thaw.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * 'thaw checkpoint' of the sample app with a small dataset, for tests that need an image of their
 * own (one they corrupt, replace, interrupt or make with other options) rather than the shared one
 * of {@link SampleAppImageExtension}.
 */
final class SampleCheckpoint {
    static final Duration BOUND = Duration.ofMinutes(3);

    private SampleCheckpoint() {
    }

    /** The arguments of thaw: checkpoint into {@code image}, warmed up {@code warmupRequests} times, then {@code thawOptions}. */
    static String[] args(Path image, int port, int warmupRequests, String... thawOptions) {
        return args(image, port, warmupRequests, Environment.SAMPLE_JAR, thawOptions);
    }

    /** The same, for the sample app's jar at {@code jar} (a copy that another user may read). */
    static String[] args(Path image, int port, int warmupRequests, Path jar, String... thawOptions) {
        List<String> args = new ArrayList<>(List.of("checkpoint", "--image", image.toString(),
                "--warmup-url", "http://127.0.0.1:" + port + "/health", "--warmup-requests", Integer.toString(warmupRequests)));
        args.addAll(List.of(thawOptions));
        args.addAll(List.of("--", Environment.JAVA.toString(), "-Xmx256m", "-Dsample.port=" + port, "-Dsample.dataset.mb=5",
                "-jar", jar.toString()));
        return args.toArray(String[]::new);
    }

    /** Runs it in {@code work} to the end (20 warm-up requests). */
    static ThawProcess.Result run(Path work, Path image, int port, Map<String, String> env, String... thawOptions) throws Exception {
        return ThawProcess.run(work, env, BOUND, args(image, port, 20, thawOptions));
    }
}
