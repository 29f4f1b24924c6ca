package dev.thaw.control;

import dev.thaw.lifecycle.control.ControlMessage;

/** What the control server tells its owner: a message from a peer, a peer's line refused, or a peer gone. */
public sealed interface ControlEvent {
    Peer peer();

    /** A message that decoded: the owner never parses a line itself. */
    record Received(Peer peer, ControlMessage message) implements ControlEvent {
    }

    /** A line that did not decode: the server closed that connection ({@link Closed} follows); the owner logs why. */
    record Rejected(Peer peer, String why) implements ControlEvent {
    }

    record Closed(Peer peer) implements ControlEvent {
    }
}
