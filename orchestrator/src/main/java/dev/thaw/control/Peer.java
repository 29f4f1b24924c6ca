package dev.thaw.control;

import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.lifecycle.control.ControlMessage.Role;
import java.io.IOException;

/**
 * One connected JVM, known by what it said in HELLO: the leader, or worker N.
 *
 * @param role a leader, a worker or the thaw CLI, as it said in HELLO
 * @param workerId the worker's slot, -1 for the leader
 * @param credentials who the kernel says connected: what the peer claims in HELLO is checked against it
 */
public record Peer(long connectionId, Role role, int workerId, PeerCredentials credentials, PeerChannel connection) {

    public boolean is(Role r) {
        return role == r;
    }

    /** "worker 2 (pid 4711)", for log lines. */
    public String describe() {
        return role.name().toLowerCase() + (role == Role.WORKER ? " " + workerId : "") + " (pid " + credentials.pid() + ")";
    }

    /** Sends, reporting failure instead of throwing: a peer may be gone by the time we speak. */
    public boolean send(ControlMessage message) {
        try {
            connection.send(message.encode());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public void close() {
        try {
            connection.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
