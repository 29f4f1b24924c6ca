package dev.thaw.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * pod-sim's command line (scripts/pod-sim writes it): where the manifests are, the directory that
 * stands in for the pod's volumes, how the container image's paths map onto this checkout, the PATH
 * the containers see, and the time bounds.
 *
 * @param imagePaths container path -> this machine's path, e.g. {@code /app -> sample-app/target}
 */
record PodSimOptions(Path manifests, Path work, Map<String, Path> imagePaths, String path, Duration initTimeout, Duration deadline) {
    static final String USAGE = "usage: PodSim --manifests DIR --work DIR --path PATH [--map /container/path=/host/path]... "
            + "[--init-timeout SECONDS] [--deadline SECONDS]";

    static PodSimOptions parse(String[] args) {
        Path manifests = null;
        Path work = null;
        String path = null;
        Map<String, Path> map = new LinkedHashMap<>();
        Duration initTimeout = Duration.ofSeconds(300);
        Duration deadline = Duration.ofSeconds(600);
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                throw new UsageException(args[i] + " needs a value; " + USAGE);
            }
            switch (args[i]) {
                case "--manifests" -> manifests = Path.of(value);
                case "--work" -> work = Path.of(value);
                case "--path" -> path = value;
                case "--map" -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0 || !value.startsWith("/")) {
                        throw new UsageException("--map " + value + ": expected /container/path=/host/path");
                    }
                    map.put(value.substring(0, eq), Path.of(value.substring(eq + 1)));
                }
                case "--init-timeout" -> initTimeout = seconds(args[i], value);
                case "--deadline" -> deadline = seconds(args[i], value);
                default -> throw new UsageException("unknown option " + args[i] + "; " + USAGE);
            }
            i++;
        }
        if (manifests == null || work == null || path == null) {
            throw new UsageException(USAGE);
        }
        if (!Files.isDirectory(work)) {
            throw new UsageException("--work " + work + " is not a directory");
        }
        return new PodSimOptions(manifests, work, map, path, initTimeout, deadline);
    }

    private static Duration seconds(String flag, String value) {
        try {
            return Duration.ofSeconds(Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " " + value + ": expected whole seconds");
        }
    }

    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
