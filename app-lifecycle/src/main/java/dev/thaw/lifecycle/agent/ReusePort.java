package dev.thaw.lifecycle.agent;

import java.lang.instrument.Instrumentation;
import java.nio.channels.spi.SelectorProvider;

/**
 * The agent option {@code -Dthaw.reuse-port=true}: SO_REUSEPORT on every TCP server socket the app
 * opens through NIO, for servers that have no reuse-port setting of their own (Tomcat, the JDK's
 * HttpServer, Netty on NIO). Without it the first restored worker would hold the port and every other
 * one fail to bind it. Off by default: SO_REUSEPORT lets any process of the same user bind the port
 * too, which is what thaw's workers need and not something to impose on every app.
 */
final class ReusePort {
    static final String PROPERTY = "thaw.reuse-port";
    static final String PROVIDER_PROPERTY = "java.nio.channels.spi.SelectorProvider";

    private ReusePort() {
    }

    /** Must run before anything in the JVM asks for the selector provider, which is cached for good. */
    static void installIfRequested(Instrumentation instrumentation) {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "false"))) {
            return;
        }
        String existing = System.getProperty(PROVIDER_PROPERTY);
        if (existing != null && !existing.equals(ReusePortSelectorProvider.class.getName())) {
            System.err.println("thaw agent: -D" + PROPERTY + " ignored: the app already sets -D" + PROVIDER_PROPERTY
                    + "=" + existing + "; remove one of the two");
            return;
        }
        JdkSelectorProvider.exportTo(instrumentation, ReusePort.class.getModule());
        System.setProperty(PROVIDER_PROPERTY, ReusePortSelectorProvider.class.getName());
        if (!(SelectorProvider.provider() instanceof ReusePortSelectorProvider)) {
            System.err.println("thaw agent: -D" + PROPERTY + " has no effect: the JVM chose its selector provider before"
                    + " the agent ran (" + SelectorProvider.provider().getClass().getName() + ")");
        }
    }
}
