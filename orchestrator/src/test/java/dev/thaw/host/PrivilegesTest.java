package dev.thaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What thaw asks for when it cannot run CRIU and its workers: CAP_SYS_ADMIN, never CAP_CHECKPOINT_RESTORE in its place. */
class PrivilegesTest {
    private static BigInteger caps(int... bits) {
        BigInteger set = BigInteger.ZERO;
        for (int bit : bits) {
            set = set.setBit(bit);
        }
        return set;
    }

    private static final int SETPCAP = 8;
    private static final int SYS_PTRACE = 19;
    private static final int SYS_ADMIN = 21;
    private static final int CHECKPOINT_RESTORE = 40;

    @Test
    void checkpoint_restore_in_place_of_sys_admin_still_asks_for_sys_admin() {
        List<String> missing = Privileges.missing(caps(CHECKPOINT_RESTORE, SYS_PTRACE, SETPCAP));
        assertEquals(List.of("CAP_SYS_ADMIN"), missing);
        String line = Privileges.refusal("thaw checkpoint", missing);
        assertTrue(line.startsWith("thaw checkpoint needs root or CAP_SYS_ADMIN ("), line);
        assertTrue(line.contains("CAP_CHECKPOINT_RESTORE does not replace CAP_SYS_ADMIN"), line);
    }

    @Test
    void neither_capability_asks_for_sys_admin_alone_and_never_suggests_checkpoint_restore() {
        List<String> missing = Privileges.missing(caps(SYS_PTRACE, SETPCAP));
        assertEquals(List.of("CAP_SYS_ADMIN"), missing, "CAP_SYS_ADMIN covers what CAP_CHECKPOINT_RESTORE would grant");
        assertFalse(Privileges.refusal("thaw run", missing).contains("setcap"));
    }

    @Test
    void the_three_that_thaw_needs_without_user_are_enough() {
        assertEquals(List.of(), Privileges.missing(caps(SYS_ADMIN, SYS_PTRACE, SETPCAP)));
        assertEquals(List.of("CAP_SETPCAP"), Privileges.missing(caps(SYS_ADMIN, SYS_PTRACE)));
        assertEquals("thaw run needs root or CAP_SETPCAP (CRIU reads and rebuilds whole processes): run thaw as root, e.g. with"
                + " sudo, or with the capabilities docs/security.md lists", Privileges.refusal("thaw run", List.of("CAP_SETPCAP")));
    }
}
