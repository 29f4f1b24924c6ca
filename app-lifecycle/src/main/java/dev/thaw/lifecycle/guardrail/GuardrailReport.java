package dev.thaw.lifecycle.guardrail;

import dev.thaw.lifecycle.crac.CheckpointException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the guardrail found. {@link #refused()} would break the restored workers; {@link #threads()}
 * are reported without failing (unless strict); {@link #allowed()} matched an allowlist entry;
 * {@link #randoms()} are {@code java.util.Random} instances thaw cannot reseed (detective mode only).
 */
public record GuardrailReport(List<Offender> refused, List<Offender> threads, List<Allowed> allowed,
                              List<List<String>> randoms, boolean refuse, boolean detective) {

    /** An offender let through, and the allowlist entry that let it through. */
    public record Allowed(Offender offender, AllowRule rule) {
    }

    public GuardrailReport {
        refused = List.copyOf(refused);
        threads = List.copyOf(threads);
        allowed = List.copyOf(allowed);
        randoms = List.copyOf(randoms);
    }

    /** True when the checkpoint may go on. */
    public boolean passed() {
        return refused.isEmpty() || !refuse;
    }

    /** The one-line summary, also the message of the checkpoint refusal. */
    public String summary() {
        if (refused.isEmpty()) {
            return "guardrail: passed: nothing open that must not cross the snapshot"
                    + (threads.isEmpty() ? "" : " (" + threads.size() + " app thread" + (threads.size() == 1 ? "" : "s") + " reported)");
        }
        String n = refused.size() + " offender" + (refused.size() == 1 ? "" : "s");
        return refuse ? "guardrail: " + n + " still open after beforeCheckpoint; checkpoint refused"
                : "guardrail: " + n + " still open after beforeCheckpoint (mode warn: not refused)";
    }

    /** The whole report, one item per line, with creating app frames in detective mode. */
    public String render() {
        List<String> lines = new ArrayList<>();
        lines.add(summary());
        for (Offender o : refused) {
            item(lines, o.line(), o.origin());
        }
        if (!refused.isEmpty() && !detective) {
            lines.add("  (run with --detective to see where the app created each one)");
        }
        if (!allowed.isEmpty()) {
            lines.add("guardrail: " + allowed.size() + " allowed by the allowlist:");
            for (Allowed a : allowed) {
                lines.add("  - " + a.offender().line() + ": allowed: " + a.rule().reason());
            }
        }
        if (!threads.isEmpty()) {
            lines.add("guardrail: " + threads.size() + " thread" + (threads.size() == 1 ? "" : "s")
                    + " started by the app (reported, not refused; strict threads refuses them):");
            for (Offender t : threads) {
                item(lines, t.line(), t.origin());
            }
        }
        if (!randoms.isEmpty()) {
            lines.add("guardrail: " + randoms.size() + " java.util.Random held by the app: thaw cannot reseed it, so every"
                    + " worker draws the same numbers (use SecureRandom or ThreadLocalRandom, or reseed it in afterRestore):");
            for (List<String> r : randoms) {
                item(lines, "java.util.Random created at " + r.get(0), r);
            }
        }
        return String.join("\n", lines);
    }

    private static void item(List<String> lines, String line, List<String> origin) {
        lines.add("  - " + line);
        for (int i = 1; i < origin.size(); i++) {
            lines.add("        " + origin.get(i));
        }
    }

    /** The refusal: the summary, and one suppressed exception per offender so that each gets its own line. */
    public CheckpointException toException() {
        CheckpointException e = new CheckpointException(summary());
        for (Offender o : refused) {
            e.addSuppressed(new Violation(o.line()));
        }
        return e;
    }

    /** One offender, as a line of the refusal. */
    public static final class Violation extends Exception {
        private static final long serialVersionUID = 1L;

        Violation(String line) {
            super(line, null, false, false);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }
}
