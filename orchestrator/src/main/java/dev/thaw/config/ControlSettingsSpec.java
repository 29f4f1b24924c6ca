package dev.thaw.config;

import java.util.List;

/**
 * The control socket of a pool: {@code thaw run} serves it, {@code thaw status}, {@code scale} and
 * {@code reload} talk to it. One declaration, so that all four agree on the default and on the
 * {@code THAW_SOCKET} variable without being told twice.
 */
public final class ControlSettingsSpec {
    private ControlSettingsSpec() {
    }

    /** Linux's sun_path holds 108 bytes; thaw keeps a margin for the kernel's terminating byte and others' limits. */
    private static final int MAX_SOCKET_PATH = 100;

    public static final Setting<String> SOCKET = new Setting<>("socket", "PATH", "/run/thaw/thaw.sock",
            "Control socket of the pool: thaw run listens on it, its workers and 'thaw status', 'thaw scale' and 'thaw reload'"
                    + " connect to it.",
            "Run several pools on one machine with one socket each; set THAW_SOCKET once and every command finds its pool.",
            ControlSettingsSpec::parseSocket);

    /** The settings of status, scale and reload. */
    public static final List<Setting<?>> ALL = List.of(SOCKET);

    private static String parseSocket(String path) {
        if (path.isEmpty() || !path.startsWith("/")) {
            throw new IllegalArgumentException("expected an absolute path");
        }
        if (path.length() > MAX_SOCKET_PATH) {
            throw new IllegalArgumentException("Unix socket paths must be shorter than " + MAX_SOCKET_PATH + " characters");
        }
        return path;
    }
}
