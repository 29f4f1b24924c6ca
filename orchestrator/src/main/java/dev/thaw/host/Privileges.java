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
    private static final int CAP_SYS_NICE = 23;
    private static final int CAP_SYS_RESOURCE = 24;
    private static final int CAP_SYS_TIME = 25;

    private Privileges() {
    }

    /** Names of the missing capabilities; empty when CRIU can run. */
    public static List<String> missing() {
        return missing(effectiveCapabilities());
    }

    /**
     * CAP_CHECKPOINT_RESTORE is never named: CAP_SYS_ADMIN covers all it grants CRIU, and thaw needs CAP_SYS_ADMIN
     * anyway (each worker is restored in a PID and mount namespace of its own, 'unshare --pid --mount'). CRIU's
     * own hint without either ('setcap cap_checkpoint_restore+eip criu') would leave thaw unable to run a pool.
     */
    static List<String> missing(BigInteger effective) {
        List<String> missing = new ArrayList<>();
        if (!effective.testBit(CAP_SYS_ADMIN)) {
            missing.add("CAP_SYS_ADMIN");
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

    /** Whether this process may lower another's nice value (CAP_SYS_NICE): {@link SupervisorPriority}. */
    public static boolean mayRenice() {
        return effectiveCapabilities().testBit(CAP_SYS_NICE);
    }

    /** Whether this process may raise another's hard resource limits (CAP_SYS_RESOURCE): {@link SupervisorLimits}. */
    public static boolean mayRaiseLimits() {
        return effectiveCapabilities().testBit(CAP_SYS_RESOURCE);
    }

    /** Refuses, in one line naming what is missing and the fix, when this process cannot run CRIU and the workers. */
    public static void require(String what) {
        List<String> missing = missing();
        if (!missing.isEmpty()) {
            throw ThawException.environment(refusal(what, missing));
        }
    }

    static String refusal(String what, List<String> missing) {
        String why = missing.contains("CAP_SYS_ADMIN")
                ? "CRIU reads and rebuilds whole processes, and each worker is restored in a PID namespace of its own;"
                        + " CAP_CHECKPOINT_RESTORE does not replace CAP_SYS_ADMIN for thaw"
                : "CRIU reads and rebuilds whole processes";
        return what + " needs root or " + String.join(", ", missing) + " (" + why + "): run thaw as root, e.g. with sudo,"
                + " or with the capabilities docs/security.md lists";
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
