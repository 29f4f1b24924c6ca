package dev.thaw.image;

import dev.thaw.host.HostProcess;
import dev.thaw.testkit.MachineRequirement;

/**
 * For tests that give files away (chown), which only root can: elsewhere they are skipped with the
 * reason, and under THAW_REQUIRE_CRIU=1 (CI, which runs as root) a missing root is a failure.
 */
final class RootOnly {
    private RootOnly() {
    }

    static void require(String why) {
        if (HostProcess.selfUid() != 0) {
            MachineRequirement.unmet("not root: " + why);
        }
    }
}
