package dev.thaw.control;

import dev.thaw.lifecycle.control.Message;
import java.io.IOException;

/**
 * One connected JVM, known by what it said in HELLO: the leader, or worker N.
 *
 * @param role "leader" or "worker"
 * @param workerId the worker's slot, -1 for the leader
 * @param credentials who the kernel says connected: what the peer claims in HELLO is checked against it
 */
public record Peer(long connectionId, String role, int workerId, PeerCredentials credentials, PeerChannel connection) {

    public boolean isLeader() {
        return "leader".equals(role);
    }

    /** Sends, reporting failure instead of throwing: a peer may be gone by the time we speak. */
    public boolean send(Message message) {
        try {
            connection.send(message);
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
