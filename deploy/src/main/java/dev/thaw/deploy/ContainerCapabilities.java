package dev.thaw.deploy;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The capabilities a container runtime gives a container's processes, from its securityContext: the
 * runtime's default set (or none after {@code drop: [ALL]}), minus {@code drop}, plus {@code add};
 * and the names in a /proc/PID/status mask, to compare what the pod's processes hold with that.
 */
public final class ContainerCapabilities {
    /** containerd's and CRI-O's default set for a container that neither drops nor adds any. */
    static final Set<String> RUNTIME_DEFAULT = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
            "NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");

    /** Linux's capability numbers (linux/capability.h), in order. */
    private static final List<String> NUMBERED = List.of("CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
            "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK",
            "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
            "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE",
            "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE");

    private ContainerCapabilities() {
    }

    /** The capabilities in a /proc/PID/status mask such as CapEff's. */
    public static Set<String> fromMask(String hex) {
        java.math.BigInteger mask = new java.math.BigInteger(hex.strip(), 16);
        Set<String> out = new TreeSet<>();
        for (int bit = 0; bit < mask.bitLength(); bit++) {
            if (mask.testBit(bit)) {
                out.add(bit < NUMBERED.size() ? NUMBERED.get(bit) : "CAP_" + bit);
            }
        }
        return out;
    }

    public static Set<String> of(SecurityContext sc) {
        Capabilities caps = sc == null ? null : sc.getCapabilities();
        Set<String> drop = names(caps == null ? List.of() : caps.getDrop());
        Set<String> result = new TreeSet<>(drop.contains("ALL") ? Set.of() : RUNTIME_DEFAULT);
        result.removeAll(drop);
        result.addAll(names(caps == null ? List.of() : caps.getAdd()));
        return result;
    }

    /** Names as Kubernetes writes them (SYS_ADMIN); a CAP_ prefix is accepted and removed. */
    private static Set<String> names(List<String> names) {
        Set<String> out = new TreeSet<>();
        for (String n : names) {
            String upper = n.toUpperCase(Locale.ROOT);
            out.add(upper.startsWith("CAP_") ? upper.substring(4) : upper);
        }
        return out;
    }
}
