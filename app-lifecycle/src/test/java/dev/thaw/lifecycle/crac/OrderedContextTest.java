package dev.thaw.lifecycle.crac;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrderedContextTest {
    private final List<String> calls = new ArrayList<>();
    private final OrderedContext context = new OrderedContext();

    /** Records each callback as "before:name" / "after:name" and throws the given failure, if any. */
    private final class Recording implements Resource {
        private final String name;
        private final Exception beforeFailure;
        private final Exception afterFailure;

        Recording(String name) {
            this(name, null, null);
        }

        Recording(String name, Exception beforeFailure, Exception afterFailure) {
            this.name = name;
            this.beforeFailure = beforeFailure;
            this.afterFailure = afterFailure;
        }

        @Override
        public void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
            calls.add("before:" + name);
            if (beforeFailure != null) {
                throw beforeFailure;
            }
        }

        @Override
        public void afterRestore(Context<? extends Resource> context) throws Exception {
            calls.add("after:" + name);
            if (afterFailure != null) {
                throw afterFailure;
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @Test
    void beforeCheckpoint_runs_in_reverse_registration_order() throws Exception {
        context.register(new Recording("a"));
        context.register(new Recording("b"));
        context.register(new Recording("c"));

        context.beforeCheckpoint(null);

        assertEquals(List.of("before:c", "before:b", "before:a"), calls);
    }

    @Test
    void afterRestore_runs_in_registration_order() throws Exception {
        context.register(new Recording("a"));
        context.register(new Recording("b"));
        context.register(new Recording("c"));

        context.afterRestore(null);

        assertEquals(List.of("after:a", "after:b", "after:c"), calls);
    }

    @Test
    void beforeCheckpoint_collects_every_failure_as_suppressed_and_still_calls_every_resource() {
        Exception first = new IllegalStateException("a refused");
        Exception second = new java.io.IOException("c refused");
        context.register(new Recording("a", first, null));
        context.register(new Recording("b"));
        context.register(new Recording("c", second, null));

        CheckpointException e = assertThrows(CheckpointException.class, () -> context.beforeCheckpoint(null));

        assertEquals(List.of("before:c", "before:b", "before:a"), calls);
        assertArrayEquals(new Throwable[] {second, first}, e.getSuppressed());
    }

    @Test
    void afterRestore_collects_every_failure_as_suppressed_and_still_calls_every_resource() {
        Exception first = new IllegalStateException("a cannot reopen");
        Exception second = new IllegalArgumentException("c cannot reopen");
        context.register(new Recording("a", null, first));
        context.register(new Recording("b"));
        context.register(new Recording("c", null, second));

        RestoreException e = assertThrows(RestoreException.class, () -> context.afterRestore(null));

        assertEquals(List.of("after:a", "after:b", "after:c"), calls);
        assertArrayEquals(new Throwable[] {first, second}, e.getSuppressed());
    }

    @Test
    void nested_context_failures_are_flattened_into_the_top_level_exception() {
        Exception innerBefore1 = new IllegalStateException("inner-1 before");
        Exception innerBefore2 = new IllegalStateException("inner-2 before");
        Exception outerBefore = new IllegalStateException("outer before");
        Exception innerAfter1 = new IllegalStateException("inner-1 after");
        Exception innerAfter2 = new IllegalStateException("inner-2 after");
        OrderedContext inner = new OrderedContext();
        inner.register(new Recording("inner-1", innerBefore1, innerAfter1));
        inner.register(new Recording("inner-2", innerBefore2, innerAfter2));
        context.register(new Recording("outer", outerBefore, null));
        context.register(inner);

        CheckpointException before = assertThrows(CheckpointException.class, () -> context.beforeCheckpoint(null));
        RestoreException after = assertThrows(RestoreException.class, () -> context.afterRestore(null));

        assertArrayEquals(new Throwable[] {innerBefore2, innerBefore1, outerBefore}, before.getSuppressed());
        assertArrayEquals(new Throwable[] {innerAfter1, innerAfter2}, after.getSuppressed());
        assertEquals(List.of("before:inner-2", "before:inner-1", "before:outer",
                "after:outer", "after:inner-1", "after:inner-2"), calls);
    }

    @Test
    void a_resource_throwing_a_bare_CheckpointException_is_reported_itself() {
        CheckpointException bare = new CheckpointException("refused without details");
        context.register(new Recording("a", bare, null));

        CheckpointException e = assertThrows(CheckpointException.class, () -> context.beforeCheckpoint(null));

        assertArrayEquals(new Throwable[] {bare}, e.getSuppressed());
    }

    @Test
    void a_resource_registered_during_a_checkpoint_is_not_called_in_that_checkpoint() throws Exception {
        context.register(new Resource() {
            @Override
            public void beforeCheckpoint(Context<? extends Resource> c) {
                calls.add("before:registering");
                context.register(new Recording("late"));
            }

            @Override
            public void afterRestore(Context<? extends Resource> c) {
            }
        });

        context.beforeCheckpoint(null);

        assertEquals(List.of("before:registering"), calls);
        assertEquals(2, context.resources().size());
    }

    @Test
    void checkpoint_failure_message_names_each_failing_resource() {
        context.register(new Recording("session-store", new IllegalStateException("boom"), null));
        context.register(new Recording("healthy"));
        context.register(new Recording("http-connector", new IllegalStateException("boom"), null));

        CheckpointException e = assertThrows(CheckpointException.class, () -> context.beforeCheckpoint(null));

        assertTrue(e.getMessage().contains("session-store"), e.getMessage());
        assertTrue(e.getMessage().contains("http-connector"), e.getMessage());
        assertFalse(e.getMessage().contains("healthy"), e.getMessage());
    }

    @Test
    void registering_null_is_rejected() {
        assertThrows(NullPointerException.class, () -> context.register(null));
    }
}
