package dev.thaw.lifecycle.uniqueness;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Every {@link SecureRandom} created in this JVM since the agent started, held weakly (tracking must
 * never keep one alive). The agent's rewritten SecureRandom constructors add them; {@link Reseeder}
 * reseeds those still alive in each restored worker.
 */
public final class SecureRandoms {
    private static final Map<SecureRandom, Boolean> LIVE = Collections.synchronizedMap(new WeakHashMap<>());
    private static volatile boolean enabled;

    private SecureRandoms() {
    }

    public static void track(SecureRandom random) {
        LIVE.put(random, Boolean.TRUE);
    }

    /** Called by the agent once the constructors are hooked: only then does the list hold them all. */
    public static void enable() {
        enabled = true;
    }

    static boolean enabled() {
        return enabled;
    }

    static List<SecureRandom> live() {
        synchronized (LIVE) {
            return new ArrayList<>(LIVE.keySet());
        }
    }
}
