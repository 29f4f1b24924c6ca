package dev.thaw.lifecycle.crac;

/**
 * The checkpoint did not happen; execution goes on in the original JVM. Every failure is attached as
 * a suppressed exception (org.crac copies the suppressed list into its own exception type).
 */
public class CheckpointException extends Exception {
    private static final long serialVersionUID = 1L;

    public CheckpointException() {
        super();
    }

    public CheckpointException(String message) {
        super(message);
    }
}
