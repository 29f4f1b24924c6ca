package dev.thaw.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A restored worker gets its supervisor's resource limits, as a forked worker has its master's. CRIU gives the
 * restored process the limits the leader had: an image made where the hard limits were lower (a CI job's
 * {@code ulimit -n 4096}) would keep every worker at them where thaw run has more (systemd's
 * {@code LimitNOFILE=1048576}), and a worker would run out of file descriptors under load.
 *
 * <p>Only a limit whose hard value is below thaw's changes: its hard value becomes thaw's, and its soft value stays,
 * except a NOFILE soft value at the hard one, which follows it (the JVM raises its soft NOFILE to the hard limit at
 * start, {@code -XX:+MaxFDLimit}). A hard value above thaw's is kept and said: lowering a running JVM's
 * address-space or stack limit under what it has reserved would fail it later, at some allocation, instead of at
 * its start. Raising a hard limit takes {@code CAP_SYS_RESOURCE} (root usually has it); without it the worker keeps the
 * image's and the log says so.
 */
public final class SupervisorLimits {
    /** RLIMIT_CPU .. RLIMIT_RTTIME (asm-generic/resource.h), with the names {@code ulimit} and /proc/PID/limits use. */
    private static final List<String> NAMES = List.of("cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile",
            "memlock", "as", "locks", "sigpending", "msgqueue", "nice", "rtprio", "rttime");
    private static final long INFINITY = -1; // RLIM_INFINITY, all bits set
    private static final MethodHandle PRLIMIT = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("prlimit").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    static final int NOFILE = 7;
    static final int CORE = 4;

    private SupervisorLimits() {
    }

    /** A limit: soft and hard, {@link #INFINITY} for none. */
    record Limit(long soft, long hard) {
        /**
         * This limit, raised to {@code newHard}. The soft value stays, except that a NOFILE soft value at the hard one
         * follows it: the JVM put it there at its start. Any other soft value is the app's or its environment's
         * choice (a core size of 0 at a hard 0 must not become unlimited core dumps of the heap).
         */
        Limit raisedTo(long newHard, int resource) {
            return new Limit(resource == NOFILE && soft == hard ? newHard : soft, newHard);
        }

        /** Whether this hard value is below {@code other}'s; unsigned, so that INFINITY is the largest. */
        boolean hardBelow(Limit other) {
            return Long.compareUnsigned(hard, other.hard) < 0;
        }

        @Override
        public String toString() {
            return text(soft) + "/" + text(hard);
        }

        private static String text(long v) {
            return v == INFINITY ? "unlimited" : Long.toString(v);
        }
    }

    /**
     * Gives {@code pid} this process's hard limits where they differ.
     *
     * @return what was changed or could not be, for one log line; empty when nothing differed
     */
    public static Optional<String> giveTo(long pid) {
        List<String> raised = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        List<String> higher = new ArrayList<>();
        for (int resource = 0; resource < NAMES.size(); resource++) {
            Optional<Limit> own = prlimit(0, resource, null);
            Optional<Limit> worker = prlimit(pid, resource, null);
            if (own.isEmpty() || worker.isEmpty() || own.get().hard() == worker.get().hard()) {
                continue;
            }
            if (own.get().hardBelow(worker.get())) {
                higher.add(NAMES.get(resource) + " " + worker.get() + " (thaw's " + own.get() + ")");
                continue;
            }
            Limit wanted = worker.get().raisedTo(own.get().hard(), resource);
            String what = NAMES.get(resource) + " " + worker.get() + " -> " + wanted;
            (prlimit(pid, resource, wanted).isPresent() ? raised : refused).add(what);
        }
        List<String> said = new ArrayList<>();
        if (!raised.isEmpty()) {
            said.add("limits (soft/hard) from the image's leader raised to thaw's: " + String.join(", ", raised));
        }
        if (!refused.isEmpty()) {
            said.add("kept the image's lower limits " + String.join(", ", refused)
                    + ": prlimit refused (thaw needs CAP_SYS_RESOURCE to raise a worker's hard limit)");
        }
        if (!higher.isEmpty()) {
            said.add("kept the image's higher limits " + String.join(", ", higher) + ": a running JVM's limits are not lowered");
        }
        return said.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", said));
    }

    /** prlimit(2): sets {@code set} unless null; returns the limit before, empty when the call failed. */
    private static Optional<Limit> prlimit(long pid, int resource, Limit set) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(ValueLayout.JAVA_LONG, 2);
            MemorySegment wanted = MemorySegment.NULL;
            if (set != null) {
                wanted = arena.allocate(ValueLayout.JAVA_LONG, 2);
                wanted.setAtIndex(ValueLayout.JAVA_LONG, 0, set.soft());
                wanted.setAtIndex(ValueLayout.JAVA_LONG, 1, set.hard());
            }
            if ((int) PRLIMIT.invokeExact((int) pid, resource, wanted, old) != 0) {
                return Optional.empty();
            }
            return Optional.of(new Limit(old.getAtIndex(ValueLayout.JAVA_LONG, 0), old.getAtIndex(ValueLayout.JAVA_LONG, 1)));
        } catch (Throwable t) {
            return Optional.empty();
        }
    }
}
