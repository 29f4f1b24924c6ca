package dev.thaw.lifecycle;

import dev.thaw.lifecycle.crac.Context;
import dev.thaw.lifecycle.crac.Resource;
import dev.thaw.lifecycle.runtime.ThawRuntime;
import java.util.Objects;
import java.util.Optional;

/**
 * thaw's API for app code, for apps that prefer it to org.crac.
 *
 * <pre>{@code
 * Thaw.beforeCheckpoint("db-pool", pool::suspendAndEvict);
 * Thaw.afterRestore("db-pool", pool::resume);
 * int id = Thaw.identity().map(WorkerIdentity::workerId).orElse(-1);
 * }</pre>
 *
 * Hooks are held strongly (org.crac holds resources weakly, so a lambda registered there and kept
 * nowhere else is silently lost) and run in the same global order as org.crac resources:
 * before-hooks last-registered first, after-hooks first-registered first.
 */
public final class Thaw {
    private Thaw() {
    }

    /** Runs {@code hook} before every checkpoint of this JVM. */
    public static void beforeCheckpoint(String name, Hook hook) {
        register(name, hook, null);
    }

    /** Runs {@code hook} in every restored worker, before it reports ready. */
    public static void afterRestore(String name, Hook hook) {
        register(name, null, hook);
    }

    /** Registers a pair that closes and reopens one resource, so the pair keeps its place in the order. */
    public static void register(String name, Hook beforeCheckpoint, Hook afterRestore) {
        Objects.requireNonNull(name, "name");
        ThawRuntime.get().globalContext().register(new NamedHooks(name, beforeCheckpoint, afterRestore));
    }

    /** Runs {@code hook} when the orchestrator gets USR1 (log rotation): reopen your log files here. */
    public static void onReopenLogs(String name, Hook hook) {
        dev.thaw.lifecycle.runtime.LogReopeners.register(Objects.requireNonNull(name, "name"), Objects.requireNonNull(hook, "hook"));
    }

    /** This worker's identity; empty in the leader and in a JVM not restored by thaw. */
    public static Optional<WorkerIdentity> identity() {
        return ThawRuntime.get().identity();
    }

    /**
     * An environment variable, with the orchestrator's per-worker values applied. thaw also writes
     * them into {@link System#getenv} in each restored worker; this method gives the same answer
     * where that was not possible (an agent that could not open the JDK's environment map).
     */
    public static String getenv(String name) {
        return identity().map(id -> id.env().get(name)).orElseGet(() -> System.getenv(name));
    }

    private record NamedHooks(String name, Hook before, Hook after) implements Resource {
        @Override
        public void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
            run(before, "beforeCheckpoint");
        }

        @Override
        public void afterRestore(Context<? extends Resource> context) throws Exception {
            run(after, "afterRestore");
        }

        private void run(Hook hook, String phase) throws HookFailedException {
            if (hook == null) {
                return;
            }
            try {
                hook.run();
            } catch (Exception e) {
                throw new HookFailedException("hook '" + name + "' failed in " + phase + ": " + e, e);
            }
        }

        @Override
        public String toString() {
            return "hook '" + name + "'";
        }
    }

    /** A named hook threw; the message names the hook and the phase. */
    public static final class HookFailedException extends Exception {
        private static final long serialVersionUID = 1L;

        HookFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
