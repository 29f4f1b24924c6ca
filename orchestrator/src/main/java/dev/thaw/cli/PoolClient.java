package dev.thaw.cli;

import dev.thaw.engine.ThawException;
import dev.thaw.lifecycle.control.ControlConnection;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Talks to a running {@code thaw run} over its control socket: one request, one REPLY. The reply of a
 * large pool's status is long (about 450 bytes a worker), so this end accepts lines far longer than
 * the pool accepts from its peers; and a pool too busy to answer is given up on after a while.
 */
final class PoolClient {
    private static final int MAX_REPLY = 64 << 20;
    private static final long TIMEOUT_SECONDS = 30;

    private PoolClient() {
    }

    static Message request(Path socket, Message request) {
        if (!Files.exists(socket)) {
            throw new ThawException("no thaw pool at " + socket + ": is 'thaw run' running? (pass its --socket if it uses another)");
        }
        try (ControlConnection c = ControlConnection.connect(socket, MAX_REPLY)) {
            c.send(Message.of(MessageType.HELLO, "role", "cli", "pid", Long.toString(ProcessHandle.current().pid()),
                    "protocol", Integer.toString(Message.PROTOCOL_VERSION)));
            c.send(request);
            Message reply = receiveWithin(c, socket);
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

    private static Message receiveWithin(ControlConnection c, Path socket) throws IOException {
        java.util.concurrent.CompletableFuture<Message> reply = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                reply.complete(c.receive());
            } catch (IOException | RuntimeException e) {
                reply.completeExceptionally(e);
            }
        });
        try {
            return reply.get(TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ThawException("the pool at " + socket + " did not answer within " + TIMEOUT_SECONDS
                    + " s: it may be overloaded or stuck; see its log");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
