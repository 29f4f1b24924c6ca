package dev.thaw.control;

import dev.thaw.host.AppUser;
import dev.thaw.lifecycle.control.ControlConnection;
import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.lifecycle.control.ProtocolException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The orchestrator's end of the control protocol: a Unix domain socket that leaders and workers
 * connect to. Each connection gets a virtual thread that reads HELLO, then forwards every message
 * to one sink as a {@link ControlEvent}; the owner (checkpoint or supervisor loop) handles them in
 * one place, in order.
 */
public final class ControlServer implements AutoCloseable {
    /** How long a new connection may take to say HELLO (a restoring worker says it within milliseconds). */
    static final long HELLO_TIMEOUT_MILLIS = 10_000;

    private final Path socket;
    private final ServerSocketChannel server;
    private final Consumer<ControlEvent> sink;
    private final AtomicLong ids = new AtomicLong();
    private final Thread acceptor;
    private final ConnectionQuota quota;

    private ControlServer(Path socket, ServerSocketChannel server, Consumer<ControlEvent> sink, ConnectionQuota quota) {
        this.socket = socket;
        this.server = server;
        this.sink = sink;
        this.quota = quota;
        this.acceptor = Thread.ofVirtual().name("thaw-control-accept").start(this::acceptLoop);
    }

    public static ControlServer open(Path socket, Consumer<ControlEvent> sink) throws IOException {
        return open(socket, sink, ConnectionQuota.standard());
    }

    /** With another quota: the tests' small ones. */
    static ControlServer open(Path socket, Consumer<ControlEvent> sink, ConnectionQuota quota) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        // Only the owner (root, in practice) may drive the pool through this socket.
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        return new ControlServer(socket, server, sink, quota);
    }

    /**
     * Lets the app's user (--user) connect, and nobody else but root: the socket becomes that user's
     * (still 0600), and {@code socketDir}, if it is private, becomes traversable (0711) but not readable.
     * Who the connected process is, is then still checked with SO_PEERCRED.
     */
    public void allow(Path socketDir, AppUser user) throws IOException {
        if (user == null) {
            return;
        }
        try {
            Files.setAttribute(socket, "unix:uid", user.uid());
            Files.setAttribute(socket, "unix:gid", user.gid());
        } catch (java.nio.file.FileSystemException e) {
            throw dev.thaw.ThawException.environment("cannot give the control socket " + socket + " to --user " + user.uid() + " ("
                    + e.getReason() + "): thaw needs CAP_CHOWN (and CAP_DAC_OVERRIDE) to run the app as another user (docs/security.md)");
        }
        if (socketDir != null && Files.getPosixFilePermissions(socketDir).equals(PosixFilePermissions.fromString("rwx------"))) {
            Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwx--x--x"));
        }
    }

    public Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel channel = server.accept();
                PeerCredentials credentials = credentialsOrNull(channel);
                if (credentials == null) {
                    channel.close(); // a peer the kernel cannot name is never trusted
                    continue;
                }
                java.util.Optional<Runnable> place = quota.admit(credentials);
                if (place.isEmpty()) {
                    channel.close(); // over its quota: said by the quota, once a minute at most
                    continue;
                }
                Thread.ofVirtual().name("thaw-control-peer").start(() -> {
                    try {
                        serve(new ControlConnection(channel), credentials);
                    } finally {
                        place.get().run();
                    }
                });
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return; // closed
                }
                // EMFILE and the like pass: workers must still be able to connect once they do.
                System.err.println("thaw: control socket: cannot accept a connection (" + e.getMessage() + "); retrying");
                try {
                    Thread.sleep(100);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    private static PeerCredentials credentialsOrNull(SocketChannel channel) {
        try {
            return PeerCredentials.of(channel);
        } catch (PeerCredentials.UnavailableException e) {
            System.err.println("thaw: control connection refused: " + e.getMessage());
            return null;
        }
    }

    /**
     * One connection: HELLO first, then messages until it closes. Lines are decoded here, on the
     * connection's own thread: a line that does not decode closes this connection only, and its owner
     * learns why ({@link ControlEvent.Rejected}) without ever parsing it.
     */
    private void serve(ControlConnection connection, PeerCredentials credentials) {
        Peer peer;
        java.util.concurrent.atomic.AtomicBoolean greeted = new java.util.concurrent.atomic.AtomicBoolean();
        // A peer that connects and says nothing would hold a thread and a file descriptor for good.
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(HELLO_TIMEOUT_MILLIS);
            } catch (InterruptedException stop) {
                return;
            }
            if (!greeted.get()) {
                closeQuietly(connection);
            }
        });
        try {
            ControlMessage first = ControlMessage.decode(connection.receive());
            greeted.set(true);
            if (!(first instanceof ControlMessage.Hello hello)) {
                throw new ProtocolException("expected HELLO first");
            }
            peer = new Peer(ids.incrementAndGet(), hello.role(), hello.worker(), credentials, PeerChannel.of(connection));
            sink.accept(new ControlEvent.Received(peer, hello));
        } catch (IOException | RuntimeException e) {
            closeQuietly(connection);
            return;
        }
        try {
            while (true) {
                sink.accept(new ControlEvent.Received(peer, ControlMessage.decode(connection.receive())));
            }
        } catch (ProtocolException malformed) {
            sink.accept(new ControlEvent.Rejected(peer, malformed.getMessage()));
        } catch (IOException | RuntimeException gone) {
            // closed by the peer, or by us
        }
        closeQuietly(connection);
        sink.accept(new ControlEvent.Closed(peer));
    }

    private static void closeQuietly(ControlConnection c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            acceptor.join(1000);
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // best effort: the run directory is removed anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
