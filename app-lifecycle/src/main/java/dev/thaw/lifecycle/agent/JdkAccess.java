package dev.thaw.lifecycle.agent;

import java.lang.instrument.Instrumentation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Opens the few java.base packages whose private state thaw must touch in a restored worker: the
 * per-thread {@code ThreadLocalRandom} seeds ({@code java.lang.Thread}), the environment
 * ({@code java.lang.ProcessEnvironment}, {@code java.util} for its unmodifiable view), the JDK's static
 * random seeders ({@code java.util}, {@code java.util.concurrent}, {@code sun.security.provider}),
 * {@code FileDescriptor.fd} ({@code java.io}) for detective mode, and {@code jdk.internal.misc}, where
 * the agent defines its one bootstrap class ({@link HookBridge}).
 *
 * <p>This is what {@code --add-opens} on the command line would do, granted by the agent through
 * {@link Instrumentation#redefineModule} so that no app has to change its command line. The packages are
 * opened to the agent's module, which is the app class loader's unnamed module: the app's own classes
 * gain the same reflective access.
 */
final class JdkAccess {
    static final List<String> PACKAGES = List.of("java.lang", "java.io", "java.util", "java.util.concurrent",
            "jdk.internal.misc", "sun.security.provider");

    private JdkAccess() {
    }

    static void open(Instrumentation instrumentation) {
        Module base = Object.class.getModule();
        Module thaw = JdkAccess.class.getModule();
        Map<String, Set<Module>> opens = new HashMap<>();
        for (String p : PACKAGES) {
            opens.put(p, Set.of(thaw));
        }
        instrumentation.redefineModule(base, Set.of(), Map.of(), opens, Set.of(), Map.of());
    }
}
