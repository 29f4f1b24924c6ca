package dev.thaw.bench;

import dev.thaw.Bytes;
import dev.thaw.bench.BenchResult.Startup;
import java.util.ArrayList;
import java.util.List;

/**
 * The section of another app measured in the same run ({@link OtherApp}): its first second next to its steady state, per
 * mode, with what that second cost. Only what issue 12's first-second target needs; its targets' rows are in the report's own
 * targets table ({@link MarkdownReport#firstSecondTargets}).
 */
final class OtherAppReport {
    private OtherAppReport() {
    }

    static String section(OtherApp other) {
        BenchResult r = other.result();
        BenchSettings s = r.settings();
        StringBuilder md = new StringBuilder("### ").append(capitalized(other.name())).append(": first second\n\n");
        md.append("A second app, measured in the same run by a `thaw bench` of its own, for the first second alone: `")
                .append(String.join(" ", s.command())).append("`. Its leader was warmed with ").append(s.warmupRequests())
                .append(" requests round robin on ").append(paths(s.warmup()))
                .append(s.warmupJitWaitSeconds() > 0 ? " and up to " + s.warmupJitWaitSeconds() + " s more while its JIT was busy" : "")
                .append(", then checkpointed")
                .append(r.image() == null ? "" : " (image " + Bytes.human(r.image().bytes()) + ", dumped in " + r.image().dumpMillis() + " ms)")
                .append("; its load: ").append(paths(s.load()))
                .append(". Measured as the first second above: ").append(s.connections()).append(" keep-alive connections, closed loop, ")
                .append(s.runs()).append(s.runs() == 1 ? " run" : " runs").append(" per mode, modes interleaved, the first second of every run ")
                .append("pooled; steady state: ").append(MarkdownReport.steadyState(s.steadySeconds())).append(".\n\n");
        if (!r.failures().isEmpty()) {
            md.append(MarkdownReport.failuresSection(r).replaceFirst("^### ", "#### "));
        }
        if (r.startup().isEmpty()) {
            return md.append(MarkdownReport.notMeasured(r, Scenario.STARTUP)).append("\n\n").toString();
        }
        md.append("To first 200 (median): ").append(toFirstOk(r)).append(".\n\n")
                .append(MarkdownReport.trafficTable(r)).append('\n')
                .append("What that second cost each JVM, per run (averages), as above:\n\n")
                .append(MarkdownReport.costTable(r)).append('\n')
                .append(MarkdownReport.firstSecondVerdict(r));
        if (!r.notes().isEmpty()) {
            md.append("Notes of its run:\n\n");
            r.notes().forEach(n -> md.append("- ").append(n).append('\n'));
            md.append('\n');
        }
        return md.toString();
    }

    /** "cold JVM 9800 ms, restored (copy) 420 ms, restored (map) 95 ms". */
    private static String toFirstOk(BenchResult r) {
        List<String> parts = new ArrayList<>();
        for (Startup st : r.startup()) {
            parts.add(st.mode().label + " " + MarkdownReport.ms(st.toFirstOk().median()));
        }
        return String.join(", ", parts);
    }

    /** URLs as their paths: "`/health`, `/whoami`". */
    private static String paths(List<java.net.URI> urls) {
        return String.join(", ", urls.stream().map(u -> "`" + u.getRawPath() + "`").toList());
    }

    private static String capitalized(String name) {
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }
}
