package dev.thaw.bench;

import dev.thaw.bench.BenchResult.Memory;
import dev.thaw.bench.BenchResult.Mode;
import dev.thaw.bench.BenchResult.Setup;
import dev.thaw.bench.BenchResult.Startup;
import dev.thaw.engine.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders a {@link BenchResult} as Markdown: what was measured, on what, and the targets it is held to. */
public final class MarkdownReport {
    private MarkdownReport() {
    }

    /** The whole report; {@code images} is the charts' directory relative to the Markdown file ("img"). */
    public static String render(BenchResult r, String images) {
        StringBuilder md = new StringBuilder();
        md.append("### Machine\n\n").append(machine(r)).append('\n');
        md.append("### Targets\n\n").append(targets(r)).append('\n');
        md.append("### Time to first HTTP 200\n\n")
                .append("From process start (of `java`, or of `criu restore`) to the first 200 from `").append(r.settings().probe())
                .append("`, ").append(r.settings().runs()).append(" runs, modes interleaved.\n\n")
                .append(startupTable(r)).append('\n')
                .append("![time to first 200](").append(images).append("/startup.png)\n\n");
        md.append("### First second of traffic\n\n")
                .append("A fresh JVM under load right after its first 200: ").append(r.settings().connections())
                .append(" keep-alive connections, closed loop, ").append(r.settings().load().size())
                .append(" URL(s) round robin; the first second of every run pooled. Steady state: a ")
                .append(BenchSettings.STEADY_WINDOW_MILLIS / 1000).append(" s window after ").append(r.settings().steadySeconds())
                .append(" s of load, last run.\n\n")
                .append(trafficTable(r)).append('\n')
                .append("![first second of traffic](").append(images).append("/latency.png)\n\n");
        md.append("### Memory of N workers\n\n")
                .append("PSS and RSS summed over every process from `/proc/PID/smaps_rollup`, after ")
                .append(BenchSettings.MEMORY_LOAD_MILLIS / 1000).append(" s of load on all of them. Restored workers include ")
                .append("their `criu` and `unshare` helpers. Page merging: KSM via `PR_SET_MEMORY_MERGE`, measured once merging ")
                .append("settled (at most ").append(r.settings().ksmWaitSeconds()).append(" s). '1 JVM' is one cold JVM serving N ")
                .append("workers' connections (measured after each N in turn).\n\n")
                .append(memorySummaryTable(r)).append('\n')
                .append("![memory of N workers](").append(images).append("/memory.png)\n\n")
                .append(memoryDetailTable(r)).append('\n');
        if (!r.notes().isEmpty()) {
            md.append("### Notes\n\n");
            r.notes().forEach(n -> md.append("- ").append(n).append('\n'));
            md.append('\n');
        }
        return md.toString();
    }

    static String machine(BenchResult r) {
        Machine m = r.machine();
        return table(List.of("", ""), List.of(
                List.of("CPU", m.cpu() + ", " + m.cores() + " cores"),
                List.of("memory", Bytes.human(m.memoryBytes())),
                List.of("OS", m.os() + ", " + m.kernel()),
                List.of("app JDK", m.appJdk()),
                List.of("thaw's JDK", m.orchestratorJdk()),
                List.of("CRIU", m.criu()),
                List.of("app", "`" + String.join(" ", r.settings().command()) + "`"),
                List.of("thaw image", Bytes.human(r.image().bytes()) + ", dumped in " + r.image().dumpMillis() + " ms"),
                List.of("run", r.startedAt() + ", " + fmt(r.durationSeconds(), 0) + " s")));
    }

    /** The targets, each with the figure it is judged on. */
    static String targets(BenchResult r) {
        List<List<String>> rows = new ArrayList<>();
        Startup cold = r.startup(Mode.COLD);
        Startup aot = r.startup(Mode.AOT);
        Startup restored = r.startup(Mode.RESTORED);
        if (cold != null && restored != null) {
            double x = Summary.ratio(cold.toFirstOk().median(), restored.toFirstOk().median());
            rows.add(List.of("restored worker to first 200: at least 20x faster than a cold start", fmt(x, 1) + "x", verdict(x >= 20)));
        }
        if (aot != null && restored != null) {
            double x = Summary.ratio(aot.toFirstOk().median(), restored.toFirstOk().median());
            rows.add(List.of("... and faster than the AOT cache", fmt(x, 1) + "x", verdict(x > 1)));
        }
        int maxN = r.settings().workers().stream().mapToInt(Integer::intValue).max().orElse(0);
        Memory coldN = r.memory(maxN, Setup.COLD_JVMS);
        Memory mergedN = r.memory(maxN, Setup.RESTORED_KSM);
        if (coldN != null && mergedN != null && mergedN.totalPssBytes() > 0) {
            double share = Summary.ratio(mergedN.totalPssBytes(), coldN.totalPssBytes());
            rows.add(List.of(maxN + " workers: total PSS at most 1/5 of " + maxN + " cold JVMs",
                    "1/" + fmt(1 / share, 1) + " (" + Bytes.human(mergedN.totalPssBytes()) + " vs " + Bytes.human(coldN.totalPssBytes()) + ")",
                    verdict(share <= 0.2)));
        }
        if (restored != null && !Double.isNaN(restored.steady().p99Ms())) {
            double x = Summary.ratio(restored.firstSecond().p99Ms(), restored.steady().p99Ms());
            rows.add(List.of("first-second p99 of a restored worker within 1.2x of steady state",
                    fmt(x, 2) + "x (" + fmt(restored.firstSecond().p99Ms(), 1) + " ms vs " + fmt(restored.steady().p99Ms(), 1) + " ms)",
                    verdict(x <= 1.2)));
        }
        return table(List.of("target", "measured", "met"), rows);
    }

    static String startupTable(BenchResult r) {
        Startup cold = r.startup(Mode.COLD);
        List<List<String>> rows = new ArrayList<>();
        for (Startup s : r.startup()) {
            double x = cold == null ? Double.NaN : Summary.ratio(cold.toFirstOk().median(), s.toFirstOk().median());
            rows.add(List.of(s.mode().label, ms(s.toFirstOk().median()), ms(s.toFirstOk().min()), ms(s.toFirstOk().max()),
                    fmt(x, 1) + "x"));
        }
        return table(List.of("", "median", "min", "max", "faster than cold"), rows);
    }

    static String trafficTable(BenchResult r) {
        List<List<String>> rows = new ArrayList<>();
        for (Startup s : r.startup()) {
            Traffic f = s.firstSecond();
            Traffic st = s.steady();
            rows.add(List.of(s.mode().label, fmt(f.requestsPerSecond(), 0), fmt(f.p50Ms(), 2) + " ms", fmt(f.p99Ms(), 2) + " ms",
                    fmt(f.maxMs(), 1) + " ms", Long.toString(f.errors()), fmt(st.requestsPerSecond(), 0), fmt(st.p50Ms(), 2) + " ms",
                    fmt(st.p99Ms(), 2) + " ms", fmt(Summary.ratio(f.p99Ms(), st.p99Ms()), 2) + "x"));
        }
        return table(List.of("", "first s: req/s", "p50", "p99", "max", "errors", "steady: req/s", "p50", "p99",
                "p99 first s / steady"), rows);
    }

    static String memorySummaryTable(BenchResult r) {
        List<List<String>> rows = new ArrayList<>();
        for (int n : r.settings().workers()) {
            List<String> row = new ArrayList<>(List.of(Integer.toString(n)));
            Memory cold = r.memory(n, Setup.COLD_JVMS);
            for (Setup setup : Setup.values()) {
                Memory m = r.memory(n, setup);
                row.add(m == null || m.totalPssBytes() == 0 ? "-" : Bytes.human(m.totalPssBytes())
                        + (setup != Setup.COLD_JVMS && cold != null ? " (" + fmt(Summary.ratio(m.totalPssBytes(), cold.totalPssBytes()) * 100, 0) + "%)" : ""));
            }
            rows.add(row);
        }
        List<String> header = new ArrayList<>(List.of("N"));
        for (Setup s : Setup.values()) {
            header.add(s.label + ": total PSS");
        }
        return table(header, rows);
    }

    static String memoryDetailTable(BenchResult r) {
        List<List<String>> rows = new ArrayList<>();
        for (Memory m : r.memory()) {
            if (m.totalPssBytes() == 0) {
                continue;
            }
            rows.add(List.of(Integer.toString(m.workers()), m.setup().label, Bytes.human(m.totalPssBytes()), Bytes.human(m.perWorkerPssBytes()),
                    Bytes.human(m.totalRssBytes()), Bytes.human(m.perWorkerRssBytes()), Bytes.human(m.helperPssBytes()),
                    m.setup() == Setup.RESTORED_KSM ? fmt(m.settleSeconds(), 0) + " s" : ""));
        }
        return table(List.of("N", "setup", "total PSS", "PSS per worker", "total RSS", "RSS per worker", "of which helpers (PSS)",
                "merging settled in"), rows);
    }

    /** A Markdown table; cells must not contain '|'. */
    static String table(List<String> header, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", header)).append(" |\n|");
        for (int i = 0; i < header.size(); i++) {
            sb.append(i == 0 ? " --- |" : " ---: |");
        }
        sb.append('\n');
        for (List<String> row : rows) {
            sb.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        return sb.toString();
    }

    static String ms(double millis) {
        return Double.isNaN(millis) ? "-" : fmt(millis, 0) + " ms";
    }

    static String fmt(double v, int decimals) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String verdict(boolean met) {
        return met ? "yes" : "**no**";
    }
}
