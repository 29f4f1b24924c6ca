package dev.thaw.bench;

import dev.thaw.Bytes;
import dev.thaw.bench.BenchResult.Economy;
import dev.thaw.bench.BenchResult.Generation;
import dev.thaw.bench.BenchResult.ImageVariant;
import dev.thaw.bench.BenchResult.Memory;
import dev.thaw.bench.BenchResult.Mode;
import dev.thaw.bench.BenchResult.Reference;
import dev.thaw.bench.BenchResult.ReferenceMemory;
import dev.thaw.bench.BenchResult.Reliability;
import dev.thaw.bench.BenchResult.Replacements;
import dev.thaw.bench.BenchResult.RollingRestart;
import dev.thaw.bench.BenchResult.Setup;
import dev.thaw.bench.BenchResult.Sharing;
import dev.thaw.bench.BenchResult.Startup;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders a {@link BenchResult} as Markdown: what was measured, on what, and the targets it is held to. */
public final class MarkdownReport {
    /** Issue 12's targets for restore by mapping. */
    static final double MAP_FIRST_OK_MILLIS = 100;
    static final double MAP_VS_COLD = 30;
    static final double MAP_VS_COPY = 5;
    static final double LARGE_IMAGE_MIN_SIZE = 2;
    static final double LARGE_IMAGE_MAX_TIME = 1.2;
    static final double ALL_READY_MILLIS = 1000;
    static final double MAP_PSS_SHARE = 1.0 / 6;
    static final double KILL_TO_READY_MILLIS = 200;
    /** A restored worker's first second against its steady state: at least this share of its throughput... */
    static final double FIRST_SECOND_THROUGHPUT = 0.8;
    /** ... and a p99 at most this many times its steady state's. */
    static final double FIRST_SECOND_P99 = 1.5;
    static final String RESTORE_MODES = "Restore modes: `map` maps the image's pages into the worker copy-on-write (`criu restore "
            + "--mmap-page-image`, thaw's CRIU patch), `copy` reads every page into the worker's own memory (stock CRIU).";

    private MarkdownReport() {
    }

    /** The whole report; {@code images} is the charts' directory relative to the Markdown file ("img"). */
    public static String render(BenchResult r, String images) {
        return render(r, images, List.of());
    }

    /**
     * The whole report, with the first second of other apps measured in the same run (scripts/bench's Spring sample): each
     * has its section after this app's first second, and its rows in issue 12's targets.
     */
    public static String render(BenchResult r, String images, List<OtherApp> others) {
        StringBuilder md = new StringBuilder();
        md.append("### Machine\n\n").append(machine(r)).append('\n')
                .append("All figures come from this one run: the modes are measured side by side, interleaved, on the same ")
                .append("machine. On a shared machine the absolute figures are noisy; the ratios between modes measured ")
                .append("together are what to read.\n\n");
        if (!r.failures().isEmpty()) {
            md.append(failuresSection(r));
        }
        md.append("### Targets\n\n").append("Restore by mapping (issue 12):\n\n").append(mappingTargets(r, others)).append('\n')
                .append("Kept from issue 9:\n\n").append(targets(r)).append('\n');
        if (r.startup().isEmpty()) {
            md.append("### Time to first HTTP 200\n\n").append(notMeasured(r, Scenario.STARTUP)).append("\n\n");
        } else {
            md.append("### Time to first HTTP 200\n\n")
                    .append("From process start (of `java`, or of the `criu restore` helpers) to the first 200 from `").append(r.settings().probe())
                    .append("`, ").append(r.settings().runs()).append(" runs, modes interleaved. ").append(RESTORE_MODES)
                    .append(" For restores, where the time went (medians): to READY, from the start of the restore's helpers until the ")
                    .append("worker's READY arrived on its control connection; of which CRIU restore, CRIU's own restore time (`restore_time` ")
                    .append("of the `stats-restore` it writes into the worker's work directory); of which afterRestore, the app's ")
                    .append("afterRestore callbacks as the worker timed them; the rest is starting the helpers and CRIU, CRIU reading the ")
                    .append("image's metadata, and the worker reconnecting to thaw. Then what CRIU mapped from the image and what it copied, per worker.\n\n")
                    .append(startupTable(r)).append('\n')
                    .append("![time to first 200](").append(images).append("/startup.png)\n\n");
        }
        if (r.scaling() != null) {
            md.append(scalingSection(r));
        }
        if (r.memory().stream().anyMatch(m -> m.allReadyMillis() > 0)) {
            md.append("### N workers restored at once\n\n")
                    .append("N restores started together, page merging off (the memory section's runs): from the first restore's start ")
                    .append("until every worker said READY on its control connection. Per worker, what CRIU mapped from the image and ")
                    .append("what it copied.\n\n")
                    .append(concurrentTable(r)).append('\n');
        }
        if (!r.startup().isEmpty()) {
            md.append("### First second of traffic\n\n")
                    .append("A fresh JVM under load right after its first 200: ").append(r.settings().connections())
                    .append(" keep-alive connections, closed loop, ").append(r.settings().load().size())
                    .append(" URL(s) round robin; the first second of every run pooled. Steady state: ")
                    .append(steadyState(r.settings().steadySeconds()))
                    .append(". Warm, new connections: right after the last run's window, the same JVM, now warm, ")
                    .append("given ").append(r.settings().connections()).append(" new connections for one second (what new ")
                    .append("connections alone cost a JVM that has nothing left to warm). The load generator runs in thaw's own JVM, ")
                    .append("on the same cores as the app.\n\n")
                    .append(trafficTable(r)).append('\n')
                    .append("What the first second cost each JVM, per run (averages): its own counters from `/proc/PID/stat` between the ")
                    .append("start of the load and one second later (page faults: minor, served from memory, e.g. a page of a mapped ")
                    .append("image or a new heap page; major, read from a file; CPU time), and its collections in that second from ")
                    .append("`-Xlog:gc` (").append("`").append(FirstSecondCost.GC_LOG_FLAG).append("`, given to every measured JVM and to ")
                    .append("the leader, so restored workers log theirs too), with the heap committed after the last of them.\n\n")
                    .append(costTable(r)).append('\n')
                    .append(firstSecondVerdict(r))
                    .append("![first second of traffic](").append(images).append("/latency.png)\n\n")
                    .append("p99 of each ").append(BenchSettings.SLICE_MILLIS).append(" ms of the first ")
                    .append(BenchSettings.FRESH_LOAD_MILLIS / 1000).append(" s of load, all runs pooled per slice:\n\n")
                    .append("![p99 over the first seconds](").append(images).append("/timeline.png)\n\n");
        }
        others.forEach(o -> md.append(OtherAppReport.section(o)));
        if (r.memory().isEmpty()) {
            md.append("### Memory of N workers\n\n").append(notMeasured(r, Scenario.MEMORY)).append("\n\n");
        } else {
            md.append("### Memory of N workers\n\n")
                    .append("PSS and RSS summed over every process from `/proc/PID/smaps_rollup`, after ")
                    .append(BenchSettings.MEMORY_LOAD_MILLIS / 1000).append(" s of load on all of them (restored workers: started ")
                    .append("once all were ready). Restored workers include ")
                    .append("their `criu` and `unshare` helpers; a mapped worker's PSS counts its share of the image's pages in the page ")
                    .append("cache. Without page merging, KSM is checked to be off for every process of theirs (`/proc/PID/ksm_stat`: ")
                    .append("not merge-any, no mergeable area, no merged page; a note says so otherwise). ")
                    .append("Page merging: KSM via `PR_SET_MEMORY_MERGE`, measured once merging ")
                    .append("settled: ").append(MemoryBench.SETTLE_SCANS).append(" full scans of ksmd and the workers' merged pages ")
                    .append("(`/proc/PID/ksm_stat`) steady for ").append(MemoryBench.STABLE_SECONDS).append(" s, at most ")
                    .append(r.settings().ksmWaitSeconds()).append(" s. 'N cold JVMs' are grown from one N to the ")
                    .append("next and measured at each. '1 JVM' is one cold JVM serving the load of 1, then 2, ... N workers (N times ")
                    .append("the connections; its thread pool grows to serve them), measured after each.\n\n")
                    .append(memorySummaryTable(r)).append('\n')
                    .append("![memory of N workers](").append(images).append("/memory.png)\n\n")
                    .append(memoryDetailTable(r)).append('\n')
                    .append("![memory per worker](").append(images).append("/memory-per-worker.png)\n\n");
        }
        if (r.reliability() == null && r.failure(Scenario.POOL_START.label).isPresent()) {
            md.append("### thaw run under signals\n\n").append(notMeasured(r, Scenario.POOL_START)).append("\n\n");
        }
        if (r.reliability() != null) {
            md.append("### thaw run under signals\n\n").append(reliabilityText(r.reliability(), r.settings().restoreMode())).append('\n')
                    .append(reliabilityTable(r)).append('\n');
        }
        if (r.economy() != null) {
            md.append(economySection(r.economy()));
        }
        if (r.reference() != null) {
            md.append("### Next to ").append(r.reference().name()).append("\n\n").append(referenceText(r.reference())).append('\n')
                    .append(referenceTable(r)).append('\n');
        }
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
                List.of("thaw image", r.image() == null ? notMeasured(r, Scenario.CHECKPOINT)
                        : Bytes.human(r.image().bytes()) + ", dumped in " + r.image().dumpMillis() + " ms"),
                List.of("run", r.startedAt() + ", " + fmt(r.durationSeconds(), 0) + " s")));
    }

    /**
     * Issue 12's targets, for restore by mapping: each with the figure it is judged on, "not measured" when map could
     * not be measured (no CRIU patch) or the part was skipped.
     */
    static String mappingTargets(BenchResult r) {
        return mappingTargets(r, List.of());
    }

    /** Issue 12's targets, with the first-second rows of each other app measured in the same run after this app's own. */
    static String mappingTargets(BenchResult r, List<OtherApp> others) {
        List<List<String>> rows = new ArrayList<>();
        Startup cold = r.startup(Mode.COLD);
        Startup copy = r.startup(Mode.RESTORED);
        Startup map = r.startup(Mode.RESTORED_MAP);
        String noMap = "map unavailable";
        double mapMs = map == null ? Double.NaN : map.toFirstOk().median();
        rows.add(List.of("restored (map) to first 200: median at most " + ms(MAP_FIRST_OK_MILLIS), map == null ? noMap : ms(mapMs),
                verdict(map == null ? null : mapMs <= MAP_FIRST_OK_MILLIS)));
        double vsCold = cold == null ? Double.NaN : Summary.ratio(cold.toFirstOk().median(), mapMs);
        rows.add(List.of("... at least " + fmt(MAP_VS_COLD, 0) + "x faster than a cold start",
                map == null || cold == null ? noMap : fmt(vsCold, 1) + "x (cold " + ms(cold.toFirstOk().median()) + ")",
                verdict(Double.isNaN(vsCold) ? null : vsCold >= MAP_VS_COLD)));
        double vsCopy = copy == null ? Double.NaN : Summary.ratio(copy.toFirstOk().median(), mapMs);
        rows.add(List.of("... at least " + fmt(MAP_VS_COPY, 0) + "x faster than restored (copy)",
                map == null || copy == null ? noMap : fmt(vsCopy, 1) + "x (copy " + ms(copy.toFirstOk().median()) + ")",
                verdict(Double.isNaN(vsCopy) ? null : vsCopy >= MAP_VS_COPY)));
        rows.add(scalingTarget(r));
        int maxN = r.settings().workers().stream().mapToInt(Integer::intValue).max().orElse(0);
        Memory mapN = r.memory(maxN, Setup.RESTORED_MAP);
        Memory copyN = r.memory(maxN, Setup.RESTORED);
        boolean timed = mapN != null && mapN.allReadyMillis() > 0;
        rows.add(List.of(maxN + " workers restored at once (map): all ready within " + ms(ALL_READY_MILLIS),
                !timed ? noMap : ms(mapN.allReadyMillis()) + (copyN != null && copyN.allReadyMillis() > 0
                        ? " (copy " + ms(copyN.allReadyMillis()) + ")" : ""),
                verdict(!timed ? null : mapN.allReadyMillis() <= ALL_READY_MILLIS)));
        Memory coldN = r.memory(maxN, Setup.COLD_JVMS);
        boolean pss = mapN != null && coldN != null && mapN.totalPssBytes() > 0;
        double share = pss ? Summary.ratio(mapN.totalPssBytes(), coldN.totalPssBytes()) : Double.NaN;
        rows.add(List.of(maxN + " workers (map, KSM off), " + BenchSettings.MEMORY_LOAD_MILLIS / 1000 + " s after all are ready: total PSS "
                        + "at most 1/" + fmt(1 / MAP_PSS_SHARE, 0) + " of " + maxN + " cold JVMs",
                !pss ? noMap : "1/" + fmt(1 / share, 1) + " (" + Bytes.human(mapN.totalPssBytes()) + " vs " + Bytes.human(coldN.totalPssBytes()) + ")",
                verdict(!pss ? null : share <= MAP_PSS_SHARE)));
        rows.addAll(firstSecondTargets("", r));
        others.forEach(o -> rows.addAll(firstSecondTargets(o.name() + ": ", o.result())));
        Reliability rel = r.reliability();
        if (rel == null || rel.killed() == null) {
            rows.add(List.of("kill -9 to a ready replacement: median at most " + ms(KILL_TO_READY_MILLIS),
                    notMeasured(r, Scenario.KILL), verdict(null)));
        } else {
            Summary k = rel.killed().observedMillis();
            rows.add(List.of("kill -9 to a ready replacement: median at most " + ms(KILL_TO_READY_MILLIS) + " (thaw run, "
                            + (rel.restoreMode() == null ? "mode not said" : rel.restoreMode() + " mode") + ", " + rel.killed().count() + " kills)",
                    ms(k.median()) + " (max " + ms(k.max()) + ")", verdict(k.median() <= KILL_TO_READY_MILLIS)));
        }
        return table(List.of("target", "measured", "met"), rows);
    }

    /**
     * Issue 12's first second: a restored worker's throughput at least {@link #FIRST_SECOND_THROUGHPUT} of its steady state's and
     * its p99 at most {@link #FIRST_SECOND_P99} times its steady state's, judged on thaw's default mode (map when measured) with
     * copy's figure beside it; each row starts with {@code app} ("" for the bench's own app).
     */
    static List<List<String>> firstSecondTargets(String app, BenchResult r) {
        Startup judged = r.restored();
        Startup copy = r.startup(Mode.RESTORED);
        String mode = judged == null ? "" : " (" + (judged.mode() == Mode.RESTORED_MAP ? "map" : "copy") + ")";
        String throughput = app + "first second of a restored worker" + mode + ": throughput at least " + fmt(FIRST_SECOND_THROUGHPUT, 1)
                + "x its steady state's";
        String p99 = app + "... and its p99 at most " + fmt(FIRST_SECOND_P99, 1) + "x its steady state's";
        if (judged == null || Double.isNaN(judged.steady().p99Ms()) || judged.steady().requestsPerSecond() <= 0) {
            String why = notMeasured(r, Scenario.STARTUP);
            return List.of(List.of(throughput, why, verdict(null)), List.of(p99, why, verdict(null)));
        }
        String copyBeside = judged == copy || copy == null ? "" : "; copy ";
        double x = throughputShare(judged);
        double p = p99Ratio(judged);
        return List.of(
                List.of(throughput, fmt(x, 2) + "x (" + fmt(judged.firstSecond().requestsPerSecond(), 0) + " vs "
                        + fmt(judged.steady().requestsPerSecond(), 0) + " req/s" + (copyBeside.isEmpty() ? "" : copyBeside + fmt(throughputShare(copy), 2) + "x") + ")",
                        verdict(x >= FIRST_SECOND_THROUGHPUT)),
                List.of(p99, fmt(p, 2) + "x (" + fmt(judged.firstSecond().p99Ms(), 1) + " ms vs " + fmt(judged.steady().p99Ms(), 1) + " ms"
                        + (copyBeside.isEmpty() ? "" : copyBeside + fmt(p99Ratio(copy), 2) + "x") + warmNewBeside(judged) + ")",
                        verdict(p <= FIRST_SECOND_P99)));
    }

    /** "; the same JVM warm, on new connections: 1.56x", the floor a first second on new connections can reach here. */
    private static String warmNewBeside(Startup s) {
        return s.warmNewConnections().requests() == 0 ? ""
                : "; the same JVM warm, on new connections: " + fmt(Summary.ratio(s.warmNewConnections().p99Ms(), s.steady().p99Ms()), 2) + "x";
    }

    private static double throughputShare(Startup s) {
        return Summary.ratio(s.firstSecond().requestsPerSecond(), s.steady().requestsPerSecond());
    }

    private static double p99Ratio(Startup s) {
        return Summary.ratio(s.firstSecond().p99Ms(), s.steady().p99Ms());
    }

    /** The larger image restores (map) to first 200 in at most 1.2x the time of the bench's own, and it is at least 2x as large. */
    static List<String> scalingTarget(BenchResult r) {
        String what = "an image at least " + fmt(LARGE_IMAGE_MIN_SIZE, 0) + "x as large restores (map) to first 200 in at most "
                + fmt(LARGE_IMAGE_MAX_TIME, 1) + "x the time";
        BenchResult.Scaling sc = r.scaling();
        if (sc == null || sc.images().size() < 2) {
            return List.of(what, "not measured", verdict(null));
        }
        BenchResult.ScaledImage small = sc.images().get(0);
        BenchResult.ScaledImage large = sc.images().get(sc.images().size() - 1);
        double size = Summary.ratio(large.bytes(), small.bytes());
        BenchResult.ScaledRestore a = small.restore("map");
        BenchResult.ScaledRestore b = large.restore("map");
        if (a == null || b == null) {
            return List.of(what, "map unavailable (image " + fmt(size, 2) + "x)", verdict(null));
        }
        double x = Summary.ratio(b.toFirstOk().median(), a.toFirstOk().median());
        return List.of(what, fmt(x, 2) + "x (" + ms(b.toFirstOk().median()) + " vs " + ms(a.toFirstOk().median()) + "; image "
                + fmt(size, 2) + "x)", verdict(Double.isNaN(x) ? null : x <= LARGE_IMAGE_MAX_TIME && size >= LARGE_IMAGE_MIN_SIZE));
    }

    /** Issue 9's targets, each with the figure it is judged on; "restored" is thaw's default mode (map when measured). */
    static String targets(BenchResult r) {
        List<List<String>> rows = new ArrayList<>();
        Startup cold = r.startup(Mode.COLD);
        Startup aot = r.startup(Mode.AOT);
        Startup restored = r.restored();
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
        Reliability rel = r.reliability();
        if (rel != null && rel.rolling() != null) {
            RollingRestart roll = rel.rolling();
            rows.add(List.of("0 failed requests during a rolling restart", roll.failedRequests() + " of "
                    + (roll.okRequests() + roll.failedRequests()), verdict(roll.failedRequests() == 0)));
        }
        if (rel != null && rel.killed() != null) {
            Summary k = rel.killed().observedMillis();
            rows.add(List.of("kill -9 to a ready replacement under 500 ms (median of " + k.count() + " kills)",
                    ms(k.median()) + " (max " + ms(k.max()) + ")", verdict(k.median() < 500)));
        }
        return table(List.of("target", "measured", "met"), rows);
    }

    /** Every scenario that failed, with its error: the run went on without its figures. */
    static String failuresSection(BenchResult r) {
        List<List<String>> rows = r.failures().stream().map(f -> List.of(f.scenario(), "**FAILED**: " + oneLine(f.error()))).toList();
        return "### Scenarios that failed\n\n" + "The run went on after each; every other figure below was measured. "
                + "Figures of these scenarios are missing from their sections and marked FAILED.\n\n"
                + table(List.of("scenario", "error"), rows) + '\n';
    }

    /** A table row for a scenario with no figures: FAILED and its error, or "not measured". */
    private static List<String> failedRow(String what, BenchResult r, Scenario scenario) {
        return List.of(what, notMeasured(r, scenario), "");
    }

    static String notMeasured(BenchResult r, Scenario scenario) {
        return r.failure(scenario.label).map(f -> "**FAILED**: " + oneLine(f.error())).orElse("not measured");
    }

    /** An error as one table cell: no line breaks or pipes. */
    private static String oneLine(String error) {
        return error.replace("|", "\\|").replaceAll("\\s*\\n\\s*", " / ");
    }

    static String reliabilityText(Reliability rel, String restoreModeSetting) {
        return "`thaw run --workers " + rel.workers() + "` from the same image, "
                + (rel.restoreMode() == null ? "" : "restoring in " + rel.restoreMode() + " mode (`--restore-mode " + restoreModeSetting
                        + "`" + ("auto".equals(restoreModeSetting) ? ", its default" : "") + "), ")
                + "driven through its signals while a load "
                + "generator sends requests (" + "a new connection per request, so that SO_REUSEPORT spreads them over "
                + "every worker). Times are read from thaw run's log lines as they arrive: from the signal to the line "
                + "`worker=N gen=G pid=P ready in X ms`, and X itself (restore start to ready).\n";
    }

    /** One row per scenario; a failed one says so with its error in place of its figures. */
    static String reliabilityTable(BenchResult r) {
        Reliability rel = r.reliability();
        RollingRestart roll = rel.rolling();
        List<List<String>> rows = new ArrayList<>();
        String rolling = "rolling restart (HUP) of " + rel.workers() + " workers under load";
        rows.add(roll == null ? failedRow(rolling, r, Scenario.ROLLING_RESTART) : List.of(rolling,
                fmt(roll.seconds(), 1) + " s from HUP to the last old worker's exit; each replacement ready in " + ms(roll.readyMillis().median())
                        + " (max " + ms(roll.readyMillis().max()) + ")",
                roll.failedRequests() + " failed of " + (roll.okRequests() + roll.failedRequests())));
        String kill = "kill -9 of one worker, " + PoolScenarios.KILLS + " times, under load";
        rows.add(rel.killed() == null ? failedRow(kill, r, Scenario.KILL) : replacementRow(kill, rel.killed()));
        String ttin = "TTIN (one more worker), " + PoolScenarios.ADDS + " times";
        rows.add(rel.added() == null ? failedRow(ttin, r, Scenario.TTIN) : replacementRow(ttin, rel.added()));
        return table(List.of("scenario", "signal to ready line: median (min-max)", "restore to ready (logged) / requests"), rows);
    }

    private static List<String> replacementRow(String what, Replacements rep) {
        Summary o = rep.observedMillis();
        String requests = rep.okRequests() + rep.failedRequests() == 0 ? ""
                : "; " + rep.failedRequests() + " failed of " + (rep.okRequests() + rep.failedRequests()) + " requests";
        return List.of(what, ms(o.median()) + " (" + ms(o.min()) + "-" + ms(o.max()) + ")",
                ms(rep.reportedMillis().median()) + requests);
    }

    static String referenceText(Reference ref) {
        return "The pre-fork model thaw brings to the JVM, measured in the same run: `" + ref.command() + "`. It loads a "
                + "comparable in-memory dataset once in its master, then forks its workers. It starts with one worker and "
                + "grows by TTIN to each N; each TTIN and each kill -9 is timed to the new worker's ready line. Its master "
                + "answered its first 200 after " + ref.firstOkMillis() + " ms (the app loaded once).\n";
    }

    static String referenceTable(BenchResult r) {
        Reference ref = r.reference();
        Reliability rel = r.reliability();
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("new worker ready after TTIN (median)", ms(ref.spawnMillis().median()),
                rel == null || rel.added() == null ? "-" : ms(rel.added().observedMillis().median())));
        rows.add(List.of("kill -9 to a ready replacement (median)", ms(ref.killToReadyMillis().median()),
                rel == null || rel.killed() == null ? "-" : ms(rel.killed().observedMillis().median())));
        for (int n : r.settings().workers()) {
            ReferenceMemory m = ref.memory(n);
            Memory thaw = java.util.stream.Stream.of(Setup.RESTORED_MAP, Setup.RESTORED_KSM, Setup.RESTORED).map(s -> r.memory(n, s))
                    .filter(x -> x != null && x.totalPssBytes() > 0).min(java.util.Comparator.comparingLong(Memory::totalPssBytes))
                    .orElse(null);
            if (m == null || thaw == null) {
                continue;
            }
            rows.add(List.of("N=" + n + ": PSS per worker (total / N)", Bytes.human(m.perWorkerPssBytes()) + " (total "
                    + Bytes.human(m.totalPssBytes()) + ", master " + Bytes.human(m.masterPssBytes()) + ")",
                    Bytes.human(thaw.perWorkerPssBytes()) + " (" + thaw.setup().label.replace("N ", "") + ")"));
        }
        return table(List.of("", ref.name(), "thaw"), rows);
    }

    /** Issue 8: image economy, generation 1 against 2, and PSS per worker of the default leader and one with the JVM's young generation. */
    static String economySection(Economy e) {
        StringBuilder md = new StringBuilder();
        if (!e.images().isEmpty()) {
            md.append("### Image economy\n\n")
                    .append("Before every dump thaw runs a full GC with the heap free ratios tightened, so that free heap is not ")
                    .append("dumped ([images.md](images.md)). The same app, warmed the same way, checkpointed with it (the default) ")
                    .append("and without it (`").append(EconomyBench.NO_SHRINK_FLAG).append("` on the leader); restore to first 200 ")
                    .append("of one worker from each, ").append(runs(e.runs())).append(", interleaved.\n\n")
                    .append(imageEconomyTable(e)).append('\n');
        }
        md.append("### Generation 1 against generation 2 (refork)\n\n");
        if (e.generations().isEmpty()) {
            md.append("Not measured: the refork did not complete (see the notes).\n\n");
        } else {
            md.append("`thaw run --workers ").append(EconomyBench.REFORK_WORKERS).append(" --refork-after ").append(EconomyBench.REFORK_AFTER)
                    .append("` on a copy of the image, under load, until a worker is dumped as generation 2 ")
                    .append("([reforking.md](reforking.md)). Then one fresh worker from each image, ").append(runs(e.runs()))
                    .append(", interleaved: restore to first 200, and its first second of load (all runs pooled). ")
                    .append("The leader here was already warmed on the same URLs; scripts/measure-refork shows the larger gap ")
                    .append("of a leader warmed on its health check only.\n\n")
                    .append(generationsTable(e)).append('\n');
        }
        if (!e.sharing().isEmpty()) {
            Sharing first = e.sharing().get(0);
            md.append("### PSS per worker after load: thaw's young generation and the JVM's\n\n")
                    .append(first.workers()).append(" workers restored with page merging, from the default image (thaw checkpoint's ")
                    .append("`--young-gen-max`, [settings.md](settings.md#young-gen-max)) and from the image of a leader that kept ")
                    .append("the JVM's own young generation sizing ([images.md](images.md), scripts/measure-sharing). PSS ")
                    .append("per worker (their helpers included) once merging settled, then right after ").append(first.loadSeconds())
                    .append(" s of the same load on both.\n\n")
                    .append(sharingTable(e)).append('\n');
        }
        return md.toString();
    }

    private static String runs(int n) {
        return n + (n == 1 ? " run" : " runs");
    }

    static String imageEconomyTable(Economy e) {
        ImageVariant base = e.images().get(0);
        List<List<String>> rows = new ArrayList<>();
        for (ImageVariant v : e.images()) {
            rows.add(List.of(v.label() + (v.leaderFlag().isEmpty() ? "" : " (`" + v.leaderFlag() + "`)"),
                    Bytes.human(v.bytes()) + (v == base ? "" : " (" + fmt(Summary.ratio(v.bytes(), base.bytes()), 2) + "x)"),
                    ms(v.dumpMillis()), ms(v.toFirstOk().median()) + " (" + ms(v.toFirstOk().min()) + "-" + ms(v.toFirstOk().max()) + ")"));
        }
        return table(List.of("image", "size", "dump", "restore to first 200: median (min-max)"), rows);
    }

    static String generationsTable(Economy e) {
        Generation base = e.generations().get(0);
        List<List<String>> rows = new ArrayList<>();
        for (Generation g : e.generations()) {
            Traffic f = g.firstSecond();
            rows.add(List.of("generation " + g.generation() + " (" + g.madeFrom() + ")", Bytes.human(g.bytes()),
                    ms(g.toFirstOk().median()), fmt(f.requestsPerSecond(), 0)
                            + (g == base ? "" : " (" + fmt(Summary.ratio(f.requestsPerSecond(), base.firstSecond().requestsPerSecond()), 2) + "x)"),
                    fmt(f.p50Ms(), 2) + " ms", fmt(f.p99Ms(), 2) + " ms", fmt(f.maxMs(), 1) + " ms"));
        }
        return table(List.of("fresh worker from", "image", "restore to first 200 (median)", "first s: req/s", "p50", "p99", "max"), rows);
    }

    static String sharingTable(Economy e) {
        Sharing base = e.sharing().get(0);
        List<List<String>> rows = new ArrayList<>();
        for (Sharing s : e.sharing()) {
            rows.add(List.of(s.label() + (s.leaderFlag().isEmpty() ? "" : " (`" + s.leaderFlag() + "`)"),
                    Bytes.human(s.idlePssPerWorkerBytes()),
                    Bytes.human(s.loadedPssPerWorkerBytes()) + (s == base ? ""
                            : " (" + fmt(Summary.ratio(s.loadedPssPerWorkerBytes(), base.loadedPssPerWorkerBytes()) * 100, 0) + "%)"),
                    fmt(s.requestsPerSecond(), 0)));
        }
        return table(List.of("leader", "PSS per worker, merged", "PSS per worker after the load", "load: req/s"), rows);
    }

    static String startupTable(BenchResult r) {
        Startup cold = r.startup(Mode.COLD);
        boolean criu = r.startup().stream().anyMatch(s -> s.criu() != null);
        List<List<String>> rows = new ArrayList<>();
        for (Startup s : r.startup()) {
            double x = cold == null ? Double.NaN : Summary.ratio(cold.toFirstOk().median(), s.toFirstOk().median());
            List<String> row = new ArrayList<>(List.of(s.mode().label, ms(s.toFirstOk().median()), ms(s.toFirstOk().min()),
                    ms(s.toFirstOk().max()), fmt(x, 1) + "x"));
            if (criu) {
                row.add(s.criu() == null ? "" : ms(s.criu().readyMillis().median()));
                row.add(s.criu() == null ? "" : ms(s.criu().restoreMillis().median()));
                row.add(s.criu() == null ? "" : ms(s.criu().afterRestoreMillis().median()));
                row.add(mappedCopied(s.criu()));
            }
            rows.add(row);
        }
        List<String> header = new ArrayList<>(List.of("", "median", "min", "max", "faster than cold"));
        if (criu) {
            header.addAll(List.of("to READY (median)", "of which CRIU restore", "of which afterRestore", "per worker: mapped / copied"));
        }
        return table(header, rows);
    }

    /** "389.2 MiB / 1.3 MiB": what CRIU mapped and copied per worker; empty when there are no stats. */
    static String mappedCopied(BenchResult.RestoreFigures c) {
        return c == null || c.isEmpty() ? "" : Bytes.human(c.mappedBytesPerWorker()) + " / " + Bytes.human(c.copiedBytesPerWorker());
    }

    /** The larger image against the bench's own, each restored in each mode. */
    static String scalingSection(BenchResult r) {
        BenchResult.Scaling sc = r.scaling();
        StringBuilder md = new StringBuilder("### Restore time against image size\n\n");
        if (sc.images().size() < 2) {
            return md.append("Not measured (see the notes).\n\n").toString();
        }
        BenchResult.ScaledImage small = sc.images().get(0);
        BenchResult.ScaledImage large = sc.images().get(1);
        md.append("The app checkpointed a second time, warmed the same way, with `").append(large.leaderFlag())
                .append("` (a larger dataset): an image ").append(fmt(Summary.ratio(large.bytes(), small.bytes()), 2))
                .append("x as large. One worker at a time restored from each image in each mode, ").append(runs(sc.runs()))
                .append(", interleaved: restore to first 200, and CRIU's own restore time and what it mapped and copied.\n\n")
                .append(scalingTable(sc)).append('\n');
        List<String> growth = new ArrayList<>();
        for (BenchResult.ScaledRestore a : small.restores()) {
            BenchResult.ScaledRestore b = large.restore(a.mode());
            if (b != null) {
                growth.add(a.mode() + ": " + fmt(Summary.ratio(b.toFirstOk().median(), a.toFirstOk().median()), 2) + "x the time to first 200, "
                        + fmt(Summary.ratio(b.criu().restoreMillis().median(), a.criu().restoreMillis().median()), 2) + "x CRIU's restore time");
            }
        }
        if (!growth.isEmpty()) {
            md.append("From the bench's image to the larger one, ").append(String.join("; ", growth)).append(".\n\n");
        }
        return md.toString();
    }

    static String scalingTable(BenchResult.Scaling sc) {
        BenchResult.ScaledImage base = sc.images().get(0);
        List<List<String>> rows = new ArrayList<>();
        for (BenchResult.ScaledImage image : sc.images()) {
            for (BenchResult.ScaledRestore restore : image.restores()) {
                Summary ok = restore.toFirstOk();
                rows.add(List.of(image.label() + (image.leaderFlag().isEmpty() ? "" : " (`" + image.leaderFlag() + "`)"),
                        Bytes.human(image.bytes()) + (image == base ? "" : " (" + fmt(Summary.ratio(image.bytes(), base.bytes()), 2) + "x)"),
                        restore.mode(), ms(ok.median()) + " (" + ms(ok.min()) + "-" + ms(ok.max()) + ")",
                        restore.criu() == null ? "-" : ms(restore.criu().restoreMillis().median()), mappedCopied(restore.criu())));
            }
        }
        return table(List.of("image", "size", "mode", "restore to first 200: median (min-max)", "CRIU restore (median)",
                "per worker: mapped / copied"), rows);
    }

    /** N workers restored at once: until all are ready, per mode. */
    static String concurrentTable(BenchResult r) {
        List<Setup> setups = List.of(Setup.RESTORED_MAP, Setup.RESTORED, Setup.RESTORED_KSM).stream()
                .filter(s -> r.memory().stream().anyMatch(m -> m.setup() == s && m.allReadyMillis() > 0)).toList();
        List<List<String>> rows = new ArrayList<>();
        for (int n : r.settings().workers()) {
            List<String> row = new ArrayList<>(List.of(Integer.toString(n)));
            for (Setup setup : setups) {
                Memory m = r.memory(n, setup);
                row.add(m == null || m.allReadyMillis() <= 0 ? "-" : ms(m.allReadyMillis()));
            }
            for (Setup setup : setups) {
                Memory m = r.memory(n, setup);
                if (setup != Setup.RESTORED_KSM) {
                    row.add(m == null ? "-" : mappedCopied(m.criu()));
                }
            }
            rows.add(row);
        }
        List<String> header = new ArrayList<>(List.of("N"));
        setups.forEach(s -> header.add(s.label.replace("N ", "") + ": all ready"));
        setups.stream().filter(s -> s != Setup.RESTORED_KSM).forEach(s -> header.add(s.label.replace("N ", "") + ": per worker mapped / copied"));
        return table(header, rows);
    }

    static String trafficTable(BenchResult r) {
        List<List<String>> rows = new ArrayList<>();
        for (Startup s : r.startup()) {
            Traffic f = s.firstSecond();
            Traffic st = s.steady();
            rows.add(List.of(s.mode().label, fmt(f.requestsPerSecond(), 0), fmt(f.p50Ms(), 2) + " ms", fmt(f.p99Ms(), 2) + " ms",
                    fmt(f.maxMs(), 1) + " ms", Long.toString(f.errors()), fmt(st.requestsPerSecond(), 0), fmt(st.p50Ms(), 2) + " ms",
                    fmt(st.p99Ms(), 2) + " ms", fmt(Summary.ratio(f.p99Ms(), st.p99Ms()), 2) + "x",
                    warmNew(s.warmNewConnections(), st)));
        }
        return table(List.of("", "first s: req/s", "p50", "p99", "max", "errors", "steady: req/s", "p50", "p99",
                "p99 first s / steady", "warm, new connections: p99 (/ steady)"), rows);
    }

    /** Where the steady state was measured (Bench#measureStartup): the same restored workers whose first second is judged. */
    static String steadyState(int steadySeconds) {
        return "a " + BenchSettings.STEADY_WINDOW_MILLIS / 1000 + " s window after " + (BenchSettings.FRESH_LOAD_MILLIS / 1000 + steadySeconds)
                + " s of load, in every run of a restored worker (pooled, the runs whose first second is judged) and in the last run of a cold JVM";
    }

    /** "1.90 ms (1.56x)" against the steady state, "-" for a run that did not measure it. */
    private static String warmNew(Traffic warm, Traffic steady) {
        return warm.requests() == 0 ? "-" : fmt(warm.p99Ms(), 2) + " ms (" + fmt(Summary.ratio(warm.p99Ms(), steady.p99Ms()), 2) + "x)";
    }

    static String costTable(BenchResult r) {
        List<List<String>> rows = new ArrayList<>();
        for (Startup s : r.startup()) {
            FirstSecondCost c = s.cost();
            rows.add(List.of(s.mode().label, fmt(c.gcs(), 1), fmt(c.gcPauseMillis(), 1) + " ms",
                    c.heapCommittedBytes() == 0 ? "no GC" : Bytes.human(c.heapCommittedBytes()), fmt(c.minorFaults(), 0),
                    fmt(c.majorFaults(), 0), fmt(c.cpuMillis(), 0) + " ms", c.steadyGcsPerSecond() < 0 ? "" : fmt(c.steadyGcsPerSecond(), 1)));
        }
        return table(List.of("", "first s: GCs", "GC pauses", "heap committed after them", "minor faults", "major faults", "CPU",
                "steady: GCs/s"), rows);
    }

    /**
     * Says plainly whether restored workers were faster than cold JVMs in their first second and, when not, which of the
     * measured costs (collections, page faults, CPU) were higher in the restored worker than in the cold JVM.
     */
    static String firstSecondVerdict(BenchResult r) {
        Startup cold = r.startup(Mode.COLD);
        if (cold == null || cold.firstSecond().requestsPerSecond() <= 0) {
            return "";
        }
        StringBuilder md = new StringBuilder();
        for (Mode mode : List.of(Mode.RESTORED_MAP, Mode.RESTORED)) {
            Startup s = r.startup(mode);
            if (s == null) {
                continue;
            }
            double rps = s.firstSecond().requestsPerSecond();
            double coldRps = cold.firstSecond().requestsPerSecond();
            double ratio = rps / coldRps;
            if (ratio > FASTER) {
                md.append(String.format(Locale.ROOT, "%s workers were faster than cold JVMs in their first second: %.0f req/s against %.0f (%.2fx); "
                        + "their steady state: %.0f req/s.\n\n", capitalized(mode.label), rps, coldRps, ratio, s.steady().requestsPerSecond()));
                continue;
            }
            FirstSecondCost c = s.cost();
            FirstSecondCost k = cold.cost();
            md.append(String.format(Locale.ROOT, "**%s workers were not faster than cold JVMs in their first second**: %.0f req/s against %.0f "
                    + "(%.2fx), %.0f req/s in their steady state. Measured in that second, per run, restored against cold: %.1f against %.1f "
                    + "collections (%.1f ms against %.1f ms of pauses; heap committed after them %s against %s), %.0f against %.0f minor and "
                    + "%.0f against %.0f major page faults, %.0f ms against %.0f ms of CPU. ", capitalized(mode.label), rps, coldRps, ratio,
                    s.steady().requestsPerSecond(), c.gcs(), k.gcs(), c.gcPauseMillis(), k.gcPauseMillis(), heap(c), heap(k), c.minorFaults(),
                    k.minorFaults(), c.majorFaults(), k.majorFaults(), c.cpuMillis(), k.cpuMillis()));
            List<String> causes = new ArrayList<>();
            if (c.gcs() > 0 && c.gcPauseMillis() > k.gcPauseMillis() * MORE) {
                causes.add(String.format(Locale.ROOT, "collections in the first second (%.1f ms of pauses against %.1f ms), as the heap grows back "
                        + "from the one the leader was shrunk to before its dump (see the notes)", c.gcPauseMillis(), k.gcPauseMillis()));
            }
            if (c.minorFaults() + c.majorFaults() > (k.minorFaults() + k.majorFaults()) * MORE) {
                causes.add(String.format(Locale.ROOT, "page faults (%.0f against %.0f): each first touch of an image page %s costs a fault",
                        c.minorFaults() + c.majorFaults(), k.minorFaults() + k.majorFaults(),
                        mode == Mode.RESTORED_MAP ? "mapped copy-on-write, and each first write a copy," : "or of a new heap page"));
            }
            md.append(causes.isEmpty()
                    ? "Neither its collections nor its page faults exceeded the cold JVM's by more than " + Math.round((MORE - 1) * 100)
                            + "%: the cause is not among those measured here.\n\n"
                    : "Likely cause, from these figures: " + String.join("; and ", causes) + ".\n\n");
        }
        return md.toString();
    }

    /** "Faster" in the verdict: more than 10% more requests in the first second than a cold JVM. */
    private static final double FASTER = 1.1;
    /** A cost counts as a likely cause when the restored worker's exceeds the cold JVM's by more than 20%. */
    private static final double MORE = 1.2;

    private static String heap(FirstSecondCost c) {
        return c.heapCommittedBytes() == 0 ? "no GC" : Bytes.human(c.heapCommittedBytes());
    }

    private static String capitalized(String label) {
        return Character.toUpperCase(label.charAt(0)) + label.substring(1);
    }

    static String memorySummaryTable(BenchResult r) {
        List<Setup> setups = java.util.Arrays.stream(Setup.values())
                .filter(s -> r.memory().stream().anyMatch(m -> m.setup() == s && m.totalPssBytes() > 0)).toList();
        List<List<String>> rows = new ArrayList<>();
        for (int n : r.settings().workers()) {
            List<String> row = new ArrayList<>(List.of(Integer.toString(n)));
            Memory cold = r.memory(n, Setup.COLD_JVMS);
            for (Setup setup : setups) {
                Memory m = r.memory(n, setup);
                row.add(m == null || m.totalPssBytes() == 0 ? "-" : Bytes.human(m.totalPssBytes())
                        + (setup != Setup.COLD_JVMS && cold != null ? " (" + fmt(Summary.ratio(m.totalPssBytes(), cold.totalPssBytes()) * 100, 0) + "%)" : ""));
            }
            rows.add(row);
        }
        List<String> header = new ArrayList<>(List.of("N"));
        for (Setup s : setups) {
            header.add(s.label + ": total PSS");
        }
        return table(header, rows);
    }

    static String memoryDetailTable(BenchResult r) {
        List<List<String>> rows = new ArrayList<>();
        List<Memory> byWorkers = r.memory().stream()
                .sorted(java.util.Comparator.comparingInt(Memory::workers).thenComparing(Memory::setup)).toList();
        for (Memory m : byWorkers) {
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

    /** yes, **no**, or "not measured" (null). */
    private static String verdict(Boolean met) {
        return met == null ? "not measured" : verdict(met.booleanValue());
    }
}
