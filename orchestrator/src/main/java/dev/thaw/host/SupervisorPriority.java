package dev.thaw.host;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A restored worker runs at its supervisor's CPU priority and OOM preference, the way a forked worker runs at
 * its master's. CRIU gives every thread back the nice value it had in the leader, and the process its
 * {@code oom_score_adj}: an image made under {@code nice} (a CI job, a batch Job in Kubernetes) would make every
 * worker of every run a low-priority process, and an image made in a pod of another QoS class would carry that
 * pod's OOM preference into the one serving. So thaw gives each worker, once it knows its JVM, its own nice
 * value on every thread and its own {@code oom_score_adj}.
 *
 * <p>Lowering a nice value or an {@code oom_score_adj} takes {@code CAP_SYS_NICE} and {@code CAP_SYS_RESOURCE}
 * (root usually has both); without them the worker keeps the image's value and the log says which capability to add.
 */
public final class SupervisorPriority {
    private static final int PRIO_PROCESS = 0;
    private static final int NICE = 19 - 3;
    private static final MethodHandle SETPRIORITY = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("setpriority").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    /**
     * A thread the JVM starts while a pass runs, from one not changed yet, inherits the old value: passes go on until
     * one changes nothing, at most this many.
     */
    private static final int MAX_PASSES = 5;

    private SupervisorPriority() {
    }

    /**
     * Gives {@code pid}'s threads this process's nice value and the process this process's oom_score_adj.
     *
     * @return what was changed or could not be, for one log line; empty when the worker had both already
     */
    public static Optional<String> giveTo(long pid) {
        List<String> said = new ArrayList<>();
        nice(pid).ifPresent(said::add);
        oomScoreAdj(pid).ifPresent(said::add);
        return said.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", said));
    }

    private static Optional<String> nice(long pid) {
        int own;
        try {
            own = niceOf(Path.of("/proc/self/stat"));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // nothing to compare with: leave the worker as CRIU made it
        }
        int from = Integer.MIN_VALUE;
        Set<String> refused = new HashSet<>();
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            boolean changedAny = false;
            for (Path task : tasks(pid)) {
                String tid = task.getFileName().toString();
                try {
                    int nice = niceOf(task.resolve("stat"));
                    if (nice != own && !refused.contains(tid)) {
                        from = nice;
                        if (setNice(Long.parseLong(tid), own)) {
                            changedAny = true;
                        } else {
                            refused.add(tid);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
            if (!changedAny) {
                break;
            }
        }
        if (from == Integer.MIN_VALUE) {
            return Optional.empty();
        }
        return Optional.of(refused.isEmpty() ? "nice " + from + " from the image's leader, set to thaw's " + own
                : "kept the image's nice " + from + " on " + refused.size() + " thread(s), thaw's is " + own
                        + ": setpriority refused (thaw needs CAP_SYS_NICE to lower a worker's nice value)");
    }

    private static Optional<String> oomScoreAdj(long pid) {
        Path worker = Path.of("/proc", Long.toString(pid), "oom_score_adj");
        try {
            String own = Files.readString(Path.of("/proc/self/oom_score_adj")).trim();
            String image = Files.readString(worker).trim();
            if (own.equals(image)) {
                return Optional.empty();
            }
            try {
                Files.writeString(worker, own);
                return Optional.of("oom_score_adj " + image + " from the image's leader, set to thaw's " + own);
            } catch (IOException e) {
                return Optional.of("kept the image's oom_score_adj " + image + ", thaw's is " + own
                        + ": refused (thaw needs CAP_SYS_RESOURCE to lower a worker's oom_score_adj)");
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // the worker is gone, or no /proc: nothing to do
        }
    }

    private static List<Path> tasks(long pid) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The nice value in a /proc stat file, a process's or a thread's (field 19). */
    public static int niceOf(Path stat) throws IOException {
        return Integer.parseInt(HostProcess.statFields(stat)[NICE]);
    }

    private static boolean setNice(long tid, int nice) {
        try {
            return (int) SETPRIORITY.invokeExact(PRIO_PROCESS, (int) tid, nice) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
