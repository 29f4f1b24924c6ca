package dev.thaw.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.lifecycle.crac.CheckpointException;
import dev.thaw.lifecycle.crac.RestoreException;
import dev.thaw.lifecycle.runtime.ThawRuntime;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Hooks go into the JVM-wide global context and stay there for the rest of the test run, so a
 * failing hook only fails while its test arms it.
 */
class ThawHooksTest {

    @Test
    void hooks_are_held_strongly_and_survive_gc_when_nothing_else_references_them() throws Exception {
        AtomicInteger before = new AtomicInteger();
        AtomicInteger after = new AtomicInteger();
        WeakReference<Hook> beforeRef = registerUnreferencedHooks(before, after);

        for (int i = 0; i < 3 && beforeRef.get() != null; i++) {
            System.gc();
        }
        ThawRuntime.get().globalContext().beforeCheckpoint(null);
        ThawRuntime.get().globalContext().afterRestore(null);

        assertNotNull(beforeRef.get(), "the hook lambda was collected");
        assertEquals(1, before.get(), "beforeCheckpoint hook calls");
        assertEquals(1, after.get(), "afterRestore hook calls");
    }

    /** In its own method so that no local of the test keeps the lambdas reachable. */
    private static WeakReference<Hook> registerUnreferencedHooks(AtomicInteger before, AtomicInteger after) {
        Hook beforeHook = before::incrementAndGet;
        Thaw.beforeCheckpoint("gc-before", beforeHook);
        Thaw.afterRestore("gc-after", after::incrementAndGet);
        return new WeakReference<>(beforeHook);
    }

    @Test
    void failing_beforeCheckpoint_hook_is_reported_with_its_name_and_phase() {
        AtomicBoolean armed = new AtomicBoolean();
        IllegalStateException cause = new IllegalStateException("pool busy");
        Thaw.beforeCheckpoint("db-pool", () -> {
            if (armed.get()) {
                throw cause;
            }
        });

        armed.set(true);
        CheckpointException e;
        try {
            e = assertThrows(CheckpointException.class, () -> ThawRuntime.get().globalContext().beforeCheckpoint(null));
        } finally {
            armed.set(false);
        }

        Throwable failure = onlySuppressed(e);
        assertInstanceOf(Thaw.HookFailedException.class, failure);
        assertTrue(failure.getMessage().contains("hook 'db-pool'"), failure.getMessage());
        assertTrue(failure.getMessage().contains("beforeCheckpoint"), failure.getMessage());
        assertTrue(ThawRuntime.describe(e).contains("hook 'db-pool' failed in beforeCheckpoint"), ThawRuntime.describe(e));
        assertSame(cause, failure.getCause());
    }

    @Test
    void failing_afterRestore_hook_is_reported_with_its_name_and_phase() {
        AtomicBoolean armed = new AtomicBoolean();
        Thaw.register("cache", () -> { }, () -> {
            if (armed.get()) {
                throw new java.io.IOException("cannot reconnect");
            }
        });

        armed.set(true);
        RestoreException e;
        try {
            e = assertThrows(RestoreException.class, () -> ThawRuntime.get().globalContext().afterRestore(null));
        } finally {
            armed.set(false);
        }

        Throwable failure = onlySuppressed(e);
        assertTrue(failure.getMessage().contains("hook 'cache'"), failure.getMessage());
        assertTrue(failure.getMessage().contains("afterRestore"), failure.getMessage());
        assertTrue(failure.getMessage().contains("cannot reconnect"), failure.getMessage());
    }

    @Test
    void register_runs_the_before_hook_last_registered_first_and_the_after_hook_first_registered_first() throws Exception {
        StringBuilder order = new StringBuilder();
        AtomicBoolean recording = new AtomicBoolean(true);
        Thaw.register("first", () -> record(recording, order, "B1"), () -> record(recording, order, "A1"));
        Thaw.register("second", () -> record(recording, order, "B2"), () -> record(recording, order, "A2"));

        try {
            ThawRuntime.get().globalContext().beforeCheckpoint(null);
            ThawRuntime.get().globalContext().afterRestore(null);
        } finally {
            recording.set(false);
        }

        assertEquals("B2B1A1A2", order.toString());
    }

    private static void record(AtomicBoolean recording, StringBuilder order, String step) {
        if (recording.get()) {
            order.append(step);
        }
    }

    @Test
    void identity_is_empty_and_getenv_reads_the_process_environment_outside_a_worker() {
        assertTrue(Thaw.identity().isEmpty());
        assertEquals(System.getenv("PATH"), Thaw.getenv("PATH"));
    }

    @Test
    void hook_without_a_name_is_rejected() {
        assertThrows(NullPointerException.class, () -> Thaw.beforeCheckpoint(null, () -> { }));
    }

    private static Throwable onlySuppressed(Exception e) {
        assertEquals(1, e.getSuppressed().length, () -> Arrays.toString(e.getSuppressed()));
        return e.getSuppressed()[0];
    }
}
