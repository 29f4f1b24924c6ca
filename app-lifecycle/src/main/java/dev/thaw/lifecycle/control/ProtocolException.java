package dev.thaw.lifecycle.control;

/** A peer sent something that is not thaw's control protocol. */
public class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
