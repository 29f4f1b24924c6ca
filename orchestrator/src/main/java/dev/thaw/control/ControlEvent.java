package dev.thaw.control;

import dev.thaw.lifecycle.control.Message;

/** What the control server tells its owner: a message from a peer, or a peer gone. */
public sealed interface ControlEvent {
    Peer peer();

    record Received(Peer peer, Message message) implements ControlEvent {
    }

    record Closed(Peer peer) implements ControlEvent {
    }
}
