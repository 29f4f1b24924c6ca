package dev.thaw.lifecycle.agent;

import dev.thaw.lifecycle.guardrail.Origins;
import dev.thaw.lifecycle.runtime.ThawRuntime;
import dev.thaw.lifecycle.uniqueness.SecureRandoms;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code -javaagent} entry point: makes thaw the org.crac implementation of an unmodified app and,
 * when the orchestrator started this JVM, connects to it. The orchestrator adds both the agent and
 * {@code -Dorg.crac.Core.Compat} to the leader's command line itself; setting the property here too
 * covers apps started with the agent by hand.
 *
 * <p>It also prepares what a restored worker needs: access to the JDK's private random and environment
 * state ({@link JdkAccess}), and a record of every SecureRandom the app creates ({@link JdkRewriter}).
 * In detective mode ({@code -javaagent:thaw-agent.jar=detective} or {@code -Dthaw.detective=true}) it
 * also records where each socket, file, thread and Random was created, for the guardrail's report.
 */
public final class ThawAgent {
    /** org.crac reads this property to find its implementation. */
    public static final String COMPAT_PROPERTY = "org.crac.Core.Compat";
    public static final String COMPAT_PACKAGE = "dev.thaw.lifecycle.crac";
    /** Path of the orchestrator's control socket; absent when the app runs without thaw. */
    public static final String CONTROL_PROPERTY = "thaw.control";
    /** {@code true}: record where sockets, files, threads and Randoms are created. */
    public static final String DETECTIVE_PROPERTY = "thaw.detective";

    private ThawAgent() {
    }

    public static void premain(String args, Instrumentation instrumentation) {
        ReusePort.installIfRequested(instrumentation); // first: it must precede any use of NIO
        install(args, instrumentation);
    }

    public static void agentmain(String args, Instrumentation instrumentation) {
        install(args, instrumentation);
    }

    static void install(String args, Instrumentation instrumentation) {
        if (System.getProperty(COMPAT_PROPERTY) == null) {
            System.setProperty(COMPAT_PROPERTY, COMPAT_PACKAGE);
        }
        boolean detective = "detective".equals(args) || Boolean.getBoolean(DETECTIVE_PROPERTY);
        if (detective) {
            System.setProperty(DETECTIVE_PROPERTY, "true");
        }
        instrument(instrumentation, detective);
        countRequests(instrumentation);
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

    /** Web servers' classes load later, as the app starts: they are wrapped as they come (ServerRewriter). */
    private static void countRequests(Instrumentation instrumentation) {
        try {
            instrumentation.addTransformer(new ServerRewriter(), false);
        } catch (RuntimeException | LinkageError e) {
            System.err.println("thaw agent: cannot count the app's requests (" + e + "): --max-requests, --refork-after and"
                    + " --timeout's hung-request check will not work");
        }
    }

    /**
     * The JDK's HttpServer (module jdk.httpserver) calls the hook bridge from its rewritten context
     * constructor; java.base exports the bridge's package to that module alone.
     */
    private static boolean exportHookBridgeToHttpServer(Instrumentation instrumentation) {
        Module httpServer = ModuleLayer.boot().findModule("jdk.httpserver").orElse(null);
        if (httpServer == null) {
            return false;
        }
        try {
            String bridgePackage = HookBridge.CLASS.substring(0, HookBridge.CLASS.lastIndexOf('/')).replace('/', '.');
            instrumentation.redefineModule(Object.class.getModule(), Set.of(), Map.of(bridgePackage, Set.of(httpServer)), Map.of(),
                    Set.of(), Map.of());
            return true;
        } catch (RuntimeException e) {
            System.err.println("thaw agent: cannot count the JDK HttpServer's requests (" + e + ")");
            return false;
        }
    }

    /**
     * Opens the JDK's private state to thaw and hooks the JDK constructors. A JVM that refuses (an
     * unusual JDK) still runs: its workers are then not reseeded, which the agent says once.
     */
    private static void instrument(Instrumentation instrumentation, boolean detective) {
        try {
            JdkAccess.open(instrumentation);
            SecureRandoms.class.getName(); // load before the hooks can call into it
            if (detective) {
                Field fd = FileDescriptor.class.getDeclaredField("fd");
                fd.setAccessible(true);
                Origins.get().enable(fd);
            }
            HookBridge.install(new Tracker(detective));
            JdkRewriter rewriter = new JdkRewriter(detective, exportHookBridgeToHttpServer(instrumentation));
            instrumentation.addTransformer(rewriter, true);
            List<Class<?>> loaded = new ArrayList<>();
            for (Class<?> c : instrumentation.getAllLoadedClasses()) {
                if (rewriter.classNames().contains(c.getName().replace('.', '/'))) {
                    loaded.add(c);
                }
            }
            instrumentation.retransformClasses(loaded.toArray(new Class<?>[0]));
            SecureRandoms.enable();
        } catch (ReflectiveOperationException | UnmodifiableClassException | RuntimeException | LinkageError e) {
            System.err.println("thaw agent: cannot instrument this JDK (" + e + "): restored workers will share"
                    + " SecureRandom state" + (detective ? ", and detective mode is off" : ""));
        }
    }
}
