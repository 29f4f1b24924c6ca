package dev.thaw.lifecycle.agent;

import java.lang.instrument.Instrumentation;
import java.nio.channels.spi.SelectorProvider;
import java.util.Map;
import java.util.Set;

/**
 * The JDK's built-in selector provider, which the public API hides once another provider is
 * installed. It is {@code sun.nio.ch.DefaultSelectorProvider.get()} (JDK 14 and later); the agent
 * exports {@code sun.nio.ch} to itself through {@link Instrumentation#redefineModule} before the
 * replacement provider is first used, so no {@code --add-exports} is needed on the command line.
 */
final class JdkSelectorProvider {
    private static final String PACKAGE = "sun.nio.ch";
    private static final String CLASS = PACKAGE + ".DefaultSelectorProvider";

    private JdkSelectorProvider() {
    }

    static void exportTo(Instrumentation instrumentation, Module agent) {
        Module javaBase = Object.class.getModule();
        instrumentation.redefineModule(javaBase, Set.of(), Map.of(PACKAGE, Set.of(agent)), Map.of(), Set.of(), Map.of());
    }

    static SelectorProvider get() {
        try {
            return (SelectorProvider) Class.forName(CLASS).getMethod("get").invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("thaw reuse-port: cannot reach the JDK's selector provider " + CLASS
                    + " (" + e + "); run without -Dthaw.reuse-port", e);
        }
    }
}
