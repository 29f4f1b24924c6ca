package dev.thaw.resources.logging;

import dev.thaw.lifecycle.Thaw;

/**
 * Registers a reopen hook for thaw's USR1 (the orchestrator forwards it to every worker as
 * REOPEN_LOGS) when thaw's agent is present. Without the agent (a plain run, a unit test) there is no
 * USR1 to hear and this does nothing.
 */
final class LogReopenSignal {
    private static final boolean PRESENT = present();

    private LogReopenSignal() {
    }

    interface Reopen {
        void run() throws Exception;
    }

    static void register(String name, Reopen reopen) {
        if (PRESENT) Hooks.register(name, reopen);
    }

    private static boolean present() {
        try {
            Class.forName("dev.thaw.lifecycle.Thaw", false, LogReopenSignal.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Separate class, loaded only when thaw is present, so that a missing Thaw class is never linked. */
    private static final class Hooks {
        static void register(String name, Reopen reopen) {
            Thaw.onReopenLogs(name, reopen::run);
        }
    }
}
