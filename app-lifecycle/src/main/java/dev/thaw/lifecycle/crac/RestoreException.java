package dev.thaw.lifecycle.crac;

/**
 * Restore notification failed in the new JVM; every failure is attached as a suppressed exception.
 */
public class RestoreException extends Exception {
    private static final long serialVersionUID = 1L;

    public RestoreException() {
        super();
    }

    public RestoreException(String message) {
        super(message);
    }
}
