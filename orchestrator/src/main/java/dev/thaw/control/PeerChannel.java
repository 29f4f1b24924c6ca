package dev.thaw.control;

import dev.thaw.lifecycle.control.ControlConnection;
import dev.thaw.lifecycle.control.Message;
import java.io.IOException;

/**
 * What the supervisor does with a peer's connection: answer it or close it. A socket connection in
 * production ({@link #of}); a recording one in the supervisor's unit tests.
 */
public interface PeerChannel {
    void send(Message message) throws IOException;

    void close() throws IOException;

    static PeerChannel of(ControlConnection connection) {
        return new PeerChannel() {
            @Override
            public void send(Message message) throws IOException {
                connection.send(message);
            }

            @Override
            public void close() throws IOException {
                connection.close();
            }
        };
    }
}
