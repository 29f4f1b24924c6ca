package dev.thaw.lifecycle.agent;

import dev.thaw.lifecycle.runtime.ThawRuntime;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.nio.file.Path;

/**
 * {@code -javaagent} entry point: makes thaw the org.crac implementation of an unmodified app and,
 * when the orchestrator started this JVM, connects to it. The orchestrator adds both the agent and
 * {@code -Dorg.crac.Core.Compat} to the leader's command line itself; setting the property here too
 * covers apps started with the agent by hand.
 */
public final class ThawAgent {
    /** org.crac reads this property to find its implementation. */
    public static final String COMPAT_PROPERTY = "org.crac.Core.Compat";
    public static final String COMPAT_PACKAGE = "dev.thaw.lifecycle.crac";
    /** Path of the orchestrator's control socket; absent when the app runs without thaw. */
    public static final String CONTROL_PROPERTY = "thaw.control";

    private ThawAgent() {
    }

    public static void premain(String args, Instrumentation instrumentation) {
        ReusePort.installIfRequested(instrumentation); // first: it must precede any use of NIO
        install();
    }

    public static void agentmain(String args, Instrumentation instrumentation) {
        install();
    }

    static void install() {
        if (System.getProperty(COMPAT_PROPERTY) == null) {
            System.setProperty(COMPAT_PROPERTY, COMPAT_PACKAGE);
        }
        String control = System.getProperty(CONTROL_PROPERTY);
        if (control == null) {
            return;
        }
        try {
            ThawRuntime.get().attachLeader(Path.of(control));
        } catch (IOException e) {
            System.err.println("thaw agent: " + e.getMessage() + " (was this JVM started by 'thaw checkpoint'?)");
            System.exit(2);
        }
    }
}
