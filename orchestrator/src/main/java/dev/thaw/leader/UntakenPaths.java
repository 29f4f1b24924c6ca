package dev.thaw.leader;

import java.util.List;

/**
 * The leader's JIT options for {@code --jit-untaken-paths}. C2 compiles what the profile saw and puts an
 * uncommon trap where it saw nothing (a branch never taken, a type never met, a null never passed). In one
 * JVM that is a good bet: the trap fires rarely and the method is compiled again with the new profile.
 * A restored worker inherits the leader's code but not its traffic: every path the warm-up missed fires
 * its trap in every worker, on its first requests, and the method runs interpreted until C2 has compiled
 * it again. With both trap limits at 0, C2 treats every trap as one that already fired too often and
 * compiles the path instead (HotSpot's {@code Compile::too_many_traps}).
 */
public final class UntakenPaths {
    /** Before the app's own options, so that an app that sets a limit keeps its value (the last one wins). */
    static final List<String> COMPILE = List.of("-XX:PerMethodTrapLimit=0", "-XX:+UnlockExperimentalVMOptions",
            "-XX:PerMethodSpecTrapLimit=0");

    private UntakenPaths() {
    }

    /** The options thaw gives the leader: {@code compile} paths the warm-up never took, or the JVM's defaults. */
    public static List<String> leaderOptions(boolean compile) {
        return compile ? COMPILE : List.of();
    }
}
