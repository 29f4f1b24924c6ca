package dev.thaw.lifecycle.runtime;

import dev.thaw.lifecycle.Hook;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Hooks that reopen log files when the orchestrator is told to (USR1, as logrotate expects). */
public final class LogReopeners {
    private static final Map<String, Hook> HOOKS = new ConcurrentHashMap<>();

    private LogReopeners() {
    }

    public static void register(String name, Hook hook) {
        HOOKS.put(name, hook);
    }

    static void runAll() {
        HOOKS.forEach((name, hook) -> {
            try {
                hook.run();
            } catch (Exception e) {
                System.err.println("thaw: reopening logs failed in '" + name + "': " + e);
            }
        });
    }
}
