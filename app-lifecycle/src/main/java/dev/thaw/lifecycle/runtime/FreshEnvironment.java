package dev.thaw.lifecycle.runtime;

import java.lang.reflect.Field;
import java.util.Map;

/**
 * Puts the orchestrator's environment into a restored worker, so that {@link System#getenv} returns it:
 * a worker keeps the leader's environment otherwise, frozen at checkpoint time (a database password
 * rotated since would never arrive). The JDK reads the environment once, into
 * {@code ProcessEnvironment}'s map; {@code System.getenv} and {@code ProcessBuilder} read that map, so
 * updating it is enough for Java code. Native code calling getenv(3) still sees the leader's values.
 * Needs {@code java.lang} and {@code java.util} opened to thaw, which the agent does.
 */
final class FreshEnvironment {
    private FreshEnvironment() {
    }

    /** Adds or replaces each variable; variables the orchestrator does not send keep the leader's value. */
    static void apply(Map<String, String> env) throws ReflectiveOperationException {
        if (env.isEmpty()) {
            return;
        }
        modifiableEnvironment().putAll(env);
    }

    /** The map behind {@link System#getenv()}; the leader looks it up before the dump so that workers find it at once. */
    @SuppressWarnings("unchecked")
    static Map<String, String> modifiableEnvironment() throws ReflectiveOperationException {
        Field unmodifiable = field(Class.forName("java.lang.ProcessEnvironment"), "theUnmodifiableEnvironment");
        Object view = unmodifiable.get(null);
        return (Map<String, String>) field(view.getClass(), "m").get(view);
    }

    private static Field field(Class<?> c, String name) throws NoSuchFieldException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
