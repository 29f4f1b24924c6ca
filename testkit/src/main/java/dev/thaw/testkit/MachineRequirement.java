package dev.thaw.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test does when the machine lacks what it needs (root, CRIU, a cgroup hierarchy it can write):
 * elsewhere it is skipped with the reason; under THAW_REQUIRE_CRIU=1 (CI, set up by scripts/setup and run as
 * root) it fails instead, so that nothing CI must prove is skipped unnoticed.
 */
public final class MachineRequirement {
    private MachineRequirement() {
    }

    /** True under THAW_REQUIRE_CRIU=1: an unmet requirement is a failure. */
    public static boolean required() {
        return "1".equals(System.getenv("THAW_REQUIRE_CRIU"));
    }

    /** Never returns: fails the calling test under THAW_REQUIRE_CRIU=1, else skips it, saying {@code problem}. */
    public static void unmet(String problem) {
        unmet(problem, required());
    }

    static void unmet(String problem, boolean required) {
        if (required) {
            Assertions.fail("THAW_REQUIRE_CRIU=1 but " + problem);
        }
        Assumptions.abort(problem + " (set THAW_REQUIRE_CRIU=1 to make this a failure)");
    }
}
