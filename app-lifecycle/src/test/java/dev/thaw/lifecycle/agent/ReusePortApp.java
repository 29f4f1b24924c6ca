package dev.thaw.lifecycle.agent;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;

/**
 * Run in a child JVM by {@link ReusePortTest}: binds two JDK HttpServers, an app with no reuse-port
 * setting of its own, to the one port given, and says whether the second bind worked.
 */
public final class ReusePortApp {
    private ReusePortApp() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        System.out.println("provider " + SelectorProvider.provider().getClass().getName());
        HttpServer first = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        try {
            HttpServer second = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            System.out.println("second bind: ok");
            second.stop(0);
        } catch (IOException e) {
            System.out.println("second bind: " + e.getMessage());
        } finally {
            first.stop(0);
        }
    }
}
