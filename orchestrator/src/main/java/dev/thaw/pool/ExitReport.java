package dev.thaw.pool;

import dev.thaw.criu.WorkerExit;

/**
 * How a worker's end reads in the log. A SIGKILL does not say who sent it: thaw (a stop, a timeout, a
 * drain past its deadline), the kernel's OOM killer, or anyone else with the right. It is blamed on
 * memory only with the kernel's evidence (the memory cgroup's OOM kill count rose while the worker
 * ran), as "possibly" when that count cannot be read, and never when thaw itself sent it.
 */
final class ExitReport {
    private ExitReport() {
    }

    static String describe(WorkerHandle process) {
        return describe(process.exit(), process.killedByThaw(), process.killedByThaw() ? 0 : process.oomKillsSinceStart());
    }

    /** @param oomKills the OOM kills counted in its memory cgroup while it ran; -1 when unknown */
    static String describe(WorkerExit exit, boolean killedByThaw, long oomKills) {
        if (!exit.killedBySigkill()) {
            return exit.describe();
        }
        if (killedByThaw) {
            return "killed by SIGKILL (sent by thaw)";
        }
        if (oomKills > 0) {
            return "killed by SIGKILL: out of memory (the kernel's OOM killer killed " + oomKills + " process"
                    + (oomKills == 1 ? "" : "es") + " of its memory cgroup meanwhile; see dmesg, and give it more memory or a smaller heap)";
        }
        if (oomKills == 0) {
            return "killed by SIGKILL, not by the OOM killer (its memory cgroup counted no OOM kill): another process sent it";
        }
        return "killed by SIGKILL (possibly out of memory: thaw cannot read its memory cgroup's OOM kill count; see dmesg)";
    }
}
