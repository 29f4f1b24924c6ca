package dev.thaw.lifecycle.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The orchestrator's side of the control socket, for tests: accepts connections and reads raw lines
 * from them, every wait bounded so that a protocol bug fails a test instead of hanging it.
 */
final class FakeOrchestrator implements AutoCloseable {
    private final Path socket;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final List<Peer> peers = new ArrayList<>();

    FakeOrchestrator(Path dir) throws IOException {
        socket = dir.resolve("control.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        server.configureBlocking(false);
        selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
    }

    Path socket() {
        return socket;
    }

    /** The next JVM that connects; fails when none does within {@code timeout}. */
    Peer accept(Duration timeout, LeaderProcess jvm) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            SocketChannel channel = server.accept();
            if (channel != null) {
                Peer peer = new Peer(channel, jvm);
                peers.add(peer);
                return peer;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return fail("no JVM connected to the control socket within " + timeout + jvm.diagnostics());
            }
            selector.select(left);
            selector.selectedKeys().clear();
        }
    }

    @Override
    public void close() throws IOException {
        for (Peer peer : peers) {
            peer.close();
        }
        selector.close();
        server.close();
    }

    /** One accepted connection; a reader thread queues its lines, an empty Optional marks EOF. */
    static final class Peer implements AutoCloseable {
        private final SocketChannel channel;
        private final LeaderProcess jvm;
        private final BlockingQueue<Optional<String>> lines = new LinkedBlockingQueue<>();

        private Peer(SocketChannel channel, LeaderProcess jvm) {
            this.channel = channel;
            this.jvm = jvm;
            Thread reader = new Thread(this::readLines, "fake-orchestrator-peer");
            reader.setDaemon(true);
            reader.start();
        }

        private void readLines() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(Optional.of(line));
                }
            } catch (IOException e) {
                // closed by the test: same as EOF for whoever still waits
            }
            lines.add(Optional.empty());
        }

        /** The next message, which must be of {@code type}. */
        Message expect(MessageType type, Duration timeout) throws InterruptedException {
            Optional<String> line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                return fail("no " + type + " within " + timeout + jvm.diagnostics());
            }
            if (line.isEmpty()) {
                lines.add(line);
                return fail("connection closed while waiting for " + type + jvm.diagnostics());
            }
            Message message = Message.decode(line.get());
            assertEquals(type, message.type(), () -> "got " + line.get() + jvm.diagnostics());
            return message;
        }

        /** Like {@link #expect}, passing over heartbeats: a serving worker sends them all along. */
        Message expectBetweenHeartbeats(MessageType type, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                Optional<String> line = lines.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
                if (line == null) {
                    return fail("no " + type + " within " + timeout + jvm.diagnostics());
                }
                if (line.isEmpty()) {
                    lines.add(line);
                    return fail("connection closed while waiting for " + type + jvm.diagnostics());
                }
                Message message = Message.decode(line.get());
                if (message.type() != MessageType.HEARTBEAT) {
                    assertEquals(type, message.type(), () -> "got " + line.get() + jvm.diagnostics());
                    return message;
                }
            }
        }

        /** Waits until the JVM closed its end of the connection, with no further message. */
        void expectEof(Duration timeout) throws InterruptedException {
            Optional<String> line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                fail("connection still open after " + timeout + jvm.diagnostics());
            }
            if (line.isPresent()) {
                fail("expected the connection to close, got " + line.get() + jvm.diagnostics());
            }
        }

        void send(Message message) throws IOException {
            ByteBuffer bytes = ByteBuffer.wrap((message.encode() + "\n").getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
