package dev.thaw.criu;

/**
 * How a worker ended: its exit code, or the signal that killed it. criu restore
 * --exit-with-task-status (thaw's patch) and unshare pass the JVM's end on as its exit code, 128 +
 * the signal's number when a signal killed it; an unpatched CRIU always exits 0, so the cause is
 * then unknown.
 *
 * @param code the exit code, when it exited
 * @param signal the signal's name ("SIGKILL"), when one killed it; null otherwise
 */
public record WorkerExit(int code, String signal, boolean known) {
    public boolean killedBySigkill() {
        return known && "SIGKILL".equals(signal);
    }

    public static final WorkerExit UNKNOWN = new WorkerExit(0, null, false);

    /** From the namespace's exit status (see the class comment). */
    public static WorkerExit ofStatus(int status, boolean statusKnown) {
        if (!statusKnown && status == 0) {
            return UNKNOWN;
        }
        if (status > 128 && status <= 128 + 64) {
            return new WorkerExit(status, signalName(status - 128), true);
        }
        return new WorkerExit(status, null, true);
    }

    /**
     * "exit code 1", "killed by SIGKILL": for log lines. Who sent a SIGKILL (thaw, the OOM killer, someone else) is
     * not in the status; the supervisor says it when it knows ({@code dev.thaw.pool.ExitReport}).
     */
    public String describe() {
        if (!known) {
            return "cause unknown (this CRIU cannot report it: run scripts/setup)";
        }
        if (signal != null) {
            return "killed by " + signal;
        }
        return "exit code " + code;
    }

    /** "exit-0", "exit-1", "sigkill", "unknown": a metric label value. */
    public String label() {
        return !known ? "unknown" : signal != null ? signal.toLowerCase().replace(' ', '-') : "exit-" + code;
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 15 -> "SIGTERM";
            default -> "signal " + signal;
        };
    }
}
