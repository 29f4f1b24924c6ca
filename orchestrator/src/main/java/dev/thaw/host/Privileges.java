package dev.thaw.host;

import dev.thaw.ThawException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Whether this process may run CRIU: root, or the capabilities CRIU needs. */
public final class Privileges {
    private static final int CAP_SETPCAP = 8;
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_CHROOT = 18;
    private static final int CAP_SYS_PTRACE = 19;
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_SYS_TIME = 25;
    private static final int CAP_CHECKPOINT_RESTORE = 40;

    private Privileges() {
    }

    /** Names of the missing capabilities; empty when CRIU can run. */
    public static List<String> missing() {
        BigInteger effective = effectiveCapabilities();
        List<String> missing = new ArrayList<>();
        if (!effective.testBit(CAP_SYS_ADMIN)) {
            missing.add("CAP_SYS_ADMIN");
        }
        if (!effective.testBit(CAP_CHECKPOINT_RESTORE) && !effective.testBit(CAP_SYS_ADMIN)) {
            missing.add("CAP_CHECKPOINT_RESTORE");
        }
        if (!effective.testBit(CAP_SYS_PTRACE)) {
            missing.add("CAP_SYS_PTRACE");
        }
        if (!effective.testBit(CAP_SETPCAP)) {
            // CRIU's restorer sets each worker's bounding set to the leader's (PR_CAPBSET_DROP);
            // without this a restore in a container that dropped capabilities hangs.
            missing.add("CAP_SETPCAP");
        }
        return missing;
    }

    /**
     * Whether CRIU must run in its {@code --unprivileged} mode: when this process lacks a capability
     * that CRIU's default mode uses at restore (CAP_SYS_TIME for a time namespace, CAP_NET_ADMIN for
     * forced socket buffer sizes, CAP_SYS_CHROOT), as in a Kubernetes container that adds back only
     * SYS_ADMIN, SYS_PTRACE and SETPCAP. That mode skips the time namespace (a restored worker's
     * monotonic clock jumps forward by the time since the dump, as after a suspend) and falls back to
     * SO_SNDBUF/SO_RCVBUF. Measured in docs/kubernetes.md.
     */
    public static boolean criuUnprivileged() {
        BigInteger effective = effectiveCapabilities();
        return !(effective.testBit(CAP_SYS_TIME) && effective.testBit(CAP_NET_ADMIN) && effective.testBit(CAP_SYS_CHROOT));
    }

    public static void require(String what) {
        List<String> missing = missing();
        if (!missing.isEmpty()) {
            throw ThawException.environment(what + " needs root or " + String.join(", ", missing)
                    + " (CRIU reads and rebuilds whole processes): run thaw as root, e.g. with sudo");
        }
    }

    private static BigInteger effectiveCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return new BigInteger(line.substring(7).strip(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: assume none
        }
        return BigInteger.ZERO;
    }
}
