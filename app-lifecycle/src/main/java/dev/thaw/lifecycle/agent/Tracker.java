package dev.thaw.lifecycle.agent;

import dev.thaw.lifecycle.guardrail.Origins;
import dev.thaw.lifecycle.uniqueness.SecureRandoms;
import java.security.SecureRandom;
import java.util.function.Consumer;

/**
 * Where the rewritten JDK constructors report (through {@link HookBridge}): SecureRandom instances go
 * to {@link SecureRandoms}, to be reseeded in each worker; the JDK HttpServer's contexts to
 * {@link JdkHttpServerRequests}, to count their requests; in detective mode everything also goes to
 * {@link Origins}, which records where the app created it. Runs inside JDK constructors, so it must
 * never throw, and it must not recurse when its own work opens a file (class loading does).
 */
final class Tracker implements Consumer<Object> {
    private final boolean detective;
    private final ThreadLocal<Boolean> busy = new ThreadLocal<>();

    Tracker(boolean detective) {
        this.detective = detective;
    }

    @Override
    public void accept(Object created) {
        if (busy.get() != null) {
            return;
        }
        busy.set(Boolean.TRUE);
        try {
            if (created instanceof SecureRandom random) {
                SecureRandoms.track(random);
            } else if (created instanceof java.nio.channels.ServerSocketChannel listener) {
                Drain.listenerCreated(listener);
                return;
            } else if (created.getClass().getName().equals(JdkHttpServerRequests.CONTEXT_CLASS)) {
                JdkHttpServerRequests.contextCreated(created);
                return;
            }
            if (detective) {
                Origins.get().record(created);
            }
        } catch (RuntimeException | Error e) {
            // a diagnostic must never break the app
        } finally {
            busy.remove();
        }
    }
}
