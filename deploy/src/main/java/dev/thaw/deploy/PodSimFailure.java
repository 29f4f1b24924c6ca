package dev.thaw.deploy;

/** A check of the simulated pod failed; the message says which and what was seen. */
final class PodSimFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PodSimFailure(String message) {
        super(message);
    }

    static void check(boolean ok, String failure) {
        if (!ok) {
            throw new PodSimFailure(failure);
        }
    }
}
