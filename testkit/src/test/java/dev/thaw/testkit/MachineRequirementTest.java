package dev.thaw.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class MachineRequirementTest {
    @Test
    void an_unmet_requirement_fails_the_test_when_it_is_required() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> MachineRequirement.unmet("not root: chown", true));

        assertEquals("THAW_REQUIRE_CRIU=1 but not root: chown", e.getMessage());
    }

    @Test
    void an_unmet_requirement_skips_the_test_with_the_reason_elsewhere() {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> MachineRequirement.unmet("not root: chown", false));

        assertEquals("not root: chown (set THAW_REQUIRE_CRIU=1 to make this a failure)", e.getMessage());
    }
}
