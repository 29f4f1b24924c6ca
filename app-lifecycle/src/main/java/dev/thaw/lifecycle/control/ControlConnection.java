package dev.thaw.lifecycle.control;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One end of a control connection over a Unix domain socket: newline-delimited {@link Message}s.
 * Used by both the JVMs (client) and the orchestrator (server side, after accept). Writes are
 * synchronized so that a heartbeat thread and a reply never interleave bytes.
 */
public final class ControlConnection implements Closeable {
    private final SocketChannel channel;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(8192);
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final int maxLine;

    public ControlConnection(SocketChannel channel) {
        this(channel, Message.MAX_LINE);
    }

    /** @param maxLine the longest line this end accepts (the CLI accepts a large pool's status) */
    public ControlConnection(SocketChannel channel, int maxLine) {
        this.channel = channel;
        this.maxLine = maxLine;
        readBuffer.flip();
    }

    public static ControlConnection connect(Path socket) throws IOException {
        return connect(socket, Message.MAX_LINE);
    }

    public static ControlConnection connect(Path socket, int maxLine) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot connect to thaw control socket " + socket + ": " + e.getMessage(), e);
        }
        return new ControlConnection(channel, maxLine);
    }

    public synchronized void send(Message message) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((message.encode() + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** Blocks for the next message; throws {@link EOFException} when the peer closed the connection. */
    public Message receive() throws IOException {
        while (true) {
            while (readBuffer.hasRemaining()) {
                byte b = readBuffer.get();
                if (b == '\n') {
                    String line = pending.toString(StandardCharsets.UTF_8);
                    pending.reset();
                    return Message.decode(line);
                }
                if (pending.size() >= maxLine) {
                    throw new ProtocolException("control line longer than " + maxLine + " bytes");
                }
                pending.write(b);
            }
            readBuffer.clear();
            int n = channel.read(readBuffer);
            readBuffer.flip();
            if (n < 0) {
                throw new EOFException("control connection closed by peer");
            }
        }
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
