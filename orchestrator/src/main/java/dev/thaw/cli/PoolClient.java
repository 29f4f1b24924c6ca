package dev.thaw.cli;

import dev.thaw.config.ControlSettingsSpec;
import dev.thaw.ThawException;
import dev.thaw.lifecycle.control.ControlConnection;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.ControlMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

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

    /** Sends one request to the pool of {@code command}'s socket setting (--socket, THAW_SOCKET, --config, default). */
    static ControlMessage.Reply request(CommandSpec command, ControlMessage request) {
        return request(Path.of(SettingOptions.sources(command).value(ControlSettingsSpec.SOCKET)), request);
    }

    /** Sends one request and returns the pool's answer; throws when it refused, with its reason. */
    static ControlMessage.Reply request(Path socket, ControlMessage request) {
        if (!Files.exists(socket)) {
            throw new ThawException("no thaw pool at " + socket + ": is 'thaw run' running? (pass its --socket if it uses another)");
        }
        try (ControlConnection c = ControlConnection.connect(socket, MAX_REPLY)) {
            c.send(ControlMessage.Hello.cli().encode());
            c.send(request.encode());
            if (!(ControlMessage.decode(receiveWithin(c, socket)) instanceof ControlMessage.Reply reply)) {
                throw new ThawException("unexpected answer from the pool at " + socket + ": not a REPLY");
            }
            if (!reply.ok()) {
                throw new ThawException(ThawException.EXIT_USAGE, "the pool refused: " + reply.message());
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
