package dev.thaw.lifecycle.crac;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.lifecycle.runtime.ThawRuntime;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Apps written against org.crac reach thaw through {@code -Dorg.crac.Core.Compat=dev.thaw.lifecycle.crac},
 * which surefire sets for this module as the agent does for a real app.
 */
class OrgCracRoutingTest {
    /** org.crac holds resources weakly: the test keeps them reachable, as an app must. */
    private final CountingResource resource = new CountingResource();

    static final class CountingResource implements org.crac.Resource {
        final AtomicInteger before = new AtomicInteger();
        final AtomicInteger after = new AtomicInteger();

        @Override
        public void beforeCheckpoint(org.crac.Context<? extends org.crac.Resource> context) {
            before.incrementAndGet();
        }

        @Override
        public void afterRestore(org.crac.Context<? extends org.crac.Resource> context) {
            after.incrementAndGet();
        }
    }

    @Test
    void compat_property_selects_thaw() {
        assertEquals("dev.thaw.lifecycle.crac", System.getProperty("org.crac.Core.Compat"));
    }

    @Test
    void resource_registered_through_org_crac_is_called_by_thaws_global_context() throws Exception {
        int registeredBefore = ThawRuntime.get().globalContext().resources().size();

        org.crac.Core.getGlobalContext().register(resource);
        ThawRuntime.get().globalContext().beforeCheckpoint(null);
        ThawRuntime.get().globalContext().afterRestore(null);

        assertEquals(registeredBefore + 1, ThawRuntime.get().globalContext().resources().size());
        assertEquals(1, resource.before.get(), "beforeCheckpoint calls");
        assertEquals(1, resource.after.get(), "afterRestore calls");
    }

    @Test
    void checkpointRestore_outside_thaw_throws_org_crac_CheckpointException() {
        assertThrows(org.crac.CheckpointException.class, org.crac.Core::checkpointRestore);
    }

    @Test
    void thaw_checkpointRestore_outside_thaw_explains_that_the_jvm_is_not_managed() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> ThawRuntime.get().checkpointRestore());

        assertTrue(e.getMessage().contains("not managed by a thaw orchestrator"), e.getMessage());
    }

    /**
     * org.crac 1.5.0's Compat wrapper rethrows a new org.crac.CheckpointException that carries only
     * the suppressed exceptions of thaw's, never its message; thaw's "not managed" exception has none.
     */
    @Test
    void checkpointRestore_outside_thaw_explanation_survives_org_crac_wrapper() {
        org.crac.CheckpointException e = assertThrows(org.crac.CheckpointException.class, org.crac.Core::checkpointRestore);

        String visible = e.getMessage() + " " + Arrays.toString(e.getSuppressed());
        assertTrue(visible.contains("not managed by a thaw orchestrator"), visible);
    }
}
