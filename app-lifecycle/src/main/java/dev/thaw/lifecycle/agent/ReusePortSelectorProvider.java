package dev.thaw.lifecycle.agent;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;

/**
 * The JDK's own selector provider, except that every TCP server socket channel it opens has
 * SO_REUSEPORT set before anything can bind it. Installed by {@link ReusePort} as the system-wide
 * provider ({@code -Djava.nio.channels.spi.SelectorProvider}), it reaches every server that opens its
 * listening socket through {@code ServerSocketChannel.open()}: Tomcat's NIO connector, the JDK's
 * HttpServer, Netty on NIO, Jetty. Several workers restored from one image can then all bind the same
 * port, and the kernel spreads incoming connections among them.
 *
 * <p>Everything else (selectors, client sockets, pipes) comes from the JDK's provider unchanged, so
 * every channel and selector still share one provider, as registration requires.
 */
public final class ReusePortSelectorProvider extends SelectorProvider {
    private final SelectorProvider jdk;

    /** Called by {@link SelectorProvider#provider()}, which needs a public no-argument constructor. */
    public ReusePortSelectorProvider() {
        this(JdkSelectorProvider.get());
    }

    ReusePortSelectorProvider(SelectorProvider jdk) {
        this.jdk = jdk;
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException {
        return reusePort(jdk.openServerSocketChannel());
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(ProtocolFamily family) throws IOException {
        ServerSocketChannel channel = jdk.openServerSocketChannel(family);
        // Unix domain sockets have no ports to share.
        return family == StandardProtocolFamily.UNIX ? channel : reusePort(channel);
    }

    private static ServerSocketChannel reusePort(ServerSocketChannel channel) throws IOException {
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public DatagramChannel openDatagramChannel() throws IOException {
        return jdk.openDatagramChannel();
    }

    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
        return jdk.openDatagramChannel(family);
    }

    @Override
    public Pipe openPipe() throws IOException {
        return jdk.openPipe();
    }

    @Override
    public AbstractSelector openSelector() throws IOException {
        return jdk.openSelector();
    }

    @Override
    public SocketChannel openSocketChannel() throws IOException {
        return jdk.openSocketChannel();
    }

    @Override
    public SocketChannel openSocketChannel(ProtocolFamily family) throws IOException {
        return jdk.openSocketChannel(family);
    }

    @Override
    public Channel inheritedChannel() throws IOException {
        return jdk.inheritedChannel();
    }
}
