package dev.thaw.cli;

import dev.thaw.engine.ThawException;
import dev.thaw.lifecycle.control.ControlConnection;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Talks to a running {@code thaw run} over its control socket: one request, one REPLY. */
final class PoolClient {
    private PoolClient() {
    }

    static Message request(Path socket, Message request) {
        if (!Files.exists(socket)) {
            throw new ThawException("no thaw pool at " + socket + ": is 'thaw run' running? (pass its --socket if it uses another)");
        }
        try (ControlConnection c = ControlConnection.connect(socket)) {
            c.send(Message.of(MessageType.HELLO, "role", "cli", "pid", Long.toString(ProcessHandle.current().pid()),
                    "protocol", Integer.toString(Message.PROTOCOL_VERSION)));
            c.send(request);
            Message reply = c.receive();
            if (reply.type() != MessageType.REPLY) {
                throw new ThawException("unexpected answer from the pool at " + socket + ": " + reply.type());
            }
            if (!"true".equals(reply.get("ok").orElse("false"))) {
                throw new ThawException(ThawException.EXIT_USAGE, "the pool refused: " + reply.get("message").orElse("no reason"));
            }
            return reply;
        } catch (IOException e) {
            throw new ThawException("cannot reach the pool at " + socket + " (" + e.getMessage()
                    + "): is 'thaw run' running? A stale socket file is removed by the next 'thaw run'");
        }
    }
}
