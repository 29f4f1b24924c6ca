package dev.thaw.image;

import static org.junit.jupiter.api.Assertions.fail;

import dev.thaw.host.HostProcess;
import org.junit.jupiter.api.Assumptions;

/**
 * For tests that give files away (chown), which only root can: elsewhere they are skipped with the
 * reason, and under THAW_REQUIRE_CRIU=1 (CI, which runs as root) a missing root is a failure.
 */
final class RootOnly {
    private RootOnly() {
    }

    static void require(String why) {
        if (HostProcess.selfUid() == 0) {
            return;
        }
        if ("1".equals(System.getenv("THAW_REQUIRE_CRIU"))) {
            fail("THAW_REQUIRE_CRIU=1 but not root: " + why);
        }
        Assumptions.abort("not root: " + why + " (set THAW_REQUIRE_CRIU=1 to make this a failure)");
    }
}
