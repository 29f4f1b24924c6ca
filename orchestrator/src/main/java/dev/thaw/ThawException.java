package dev.thaw;

/**
 * A failure the user can act on. The message is one line that names the problem and the fix; the
 * CLI prints it as {@code thaw: error: <message>} and exits with {@link #exitCode()}.
 */
public class ThawException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit codes, named once, like gunicorn's WORKER_BOOT_ERROR and APP_LOAD_ERROR. */
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_WORKER_BOOT_ERROR = 3;
    public static final int EXIT_ENVIRONMENT = 4;
    public static final int EXIT_BAD_IMAGE = 5;

    private final int exitCode;

    public ThawException(String message) {
        this(EXIT_FAILURE, message, null);
    }

    public ThawException(int exitCode, String message) {
        this(exitCode, message, null);
    }

    public ThawException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    public static ThawException badImage(String message) {
        return new ThawException(EXIT_BAD_IMAGE, message);
    }

    public static ThawException environment(String message) {
        return new ThawException(EXIT_ENVIRONMENT, message);
    }
}
