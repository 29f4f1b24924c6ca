package dev.thaw.cli;

import dev.thaw.ThawException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The environment each restored worker gets: thaw's own environment now (a password rotated since the
 * checkpoint arrives), then the {@code --env} overrides. It travels in the worker's IDENTITY line, which
 * has a size limit, so an environment that cannot fit is a clear error instead of workers that fail to boot.
 */
final class WorkerEnvironment {
    /** Encoded, as in the IDENTITY line: leaves room in its 64 KiB for the identity itself and the system properties. */
    static final int MAX_BYTES = 56 * 1024;

    private WorkerEnvironment() {
    }

    static Map<String, String> of(Map<String, String> current, Map<String, String> overrides) {
        requireNames("--env", overrides);
        Map<String, String> env = new TreeMap<>(current);
        env.keySet().removeIf(name -> !travels(name)); // a name the IDENTITY line cannot carry (rare, set by env(1))
        env.putAll(overrides);
        int bytes = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            bytes += URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8).length() + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8).length() + 6;
        }
        if (bytes > MAX_BYTES) {
            throw new ThawException(ThawException.EXIT_USAGE, "the environment to pass to workers is " + bytes / 1024
                    + " KiB, more than " + MAX_BYTES / 1024 + " KiB: start thaw run with a smaller environment (env -i ...) and pass what the app needs with --env");
        }
        return env;
    }

    /**
     * Refuses, when the flag is parsed, a name that a worker's IDENTITY line cannot carry (a space, '='
     * or a line break in it): it would otherwise fail every restore.
     */
    static void requireNames(String flag, Map<String, String> values) {
        for (String name : values.keySet()) {
            if (!travels(name)) {
                throw new ThawException(ThawException.EXIT_USAGE, flag + " '" + name.replace("\n", "\\n") + "': a name may not be empty or hold"
                        + " a space, '=' or a line break: write " + flag + " NAME=VALUE");
            }
        }
    }

    private static boolean travels(String name) {
        return !name.isEmpty() && name.chars().noneMatch(c -> c == ' ' || c == '=' || c == '\n' || c == '\r');
    }
}
