package dev.thaw.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.bench.BenchResult.Mode;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MarkdownReportTest {
    /** The targets table's row whose first cell starts with {@code target}. */
    private static String targetRow(BenchResult r, String target) {
        return Arrays.stream(MarkdownReport.targets(r).split("\n")).filter(l -> l.startsWith("| " + target)).findFirst()
                .orElseThrow(() -> new AssertionError("no target row '" + target + "' in\n" + MarkdownReport.targets(r)));
    }

    @Test
    void every_target_is_met_when_the_figures_reach_it() {
        String targets = MarkdownReport.targets(Fixtures.allTargetsMet());
        assertFalse(targets.contains("**no**"), targets);
        assertEquals(6, targets.split("\n").length - 2, targets);
    }

    @Test
    void the_start_up_target_compares_medians_and_shows_the_ratio() {
        assertTrue(targetRow(Fixtures.allTargetsMet(), "restored worker to first 200").contains("| 25.0x | yes |"));
        String slow = targetRow(Fixtures.result(200, 1.1, 60, 0, 300), "restored worker to first 200");
        assertTrue(slow.contains("| 15.0x | **no** |"), slow);
    }

    @Test
    void the_memory_target_is_judged_on_the_largest_worker_count_with_page_merging() {
        String met = targetRow(Fixtures.allTargetsMet(), "8 workers: total PSS at most 1/5");
        assertTrue(met.contains("1/6.0") && met.endsWith("| yes |"), met);
        String missed = targetRow(Fixtures.result(120, 1.1, 90, 0, 300), "8 workers: total PSS at most 1/5");
        assertTrue(missed.contains("1/4.0") && missed.endsWith("| **no** |"), missed);
    }

    @Test
    void one_failed_request_during_the_rolling_restart_misses_its_target() {
        String row = targetRow(Fixtures.result(120, 1.1, 60, 1, 300), "0 failed requests during a rolling restart");
        assertTrue(row.contains("| 1 of 5001 | **no** |"), row);
    }

    @Test
    void a_slow_replacement_after_kill_9_misses_its_target() {
        String row = targetRow(Fixtures.result(120, 1.1, 60, 0, 700), "kill -9 to a ready replacement under 500 ms");
        assertTrue(row.contains("700 ms") && row.endsWith("| **no** |"), row);
    }

    @Test
    void the_report_says_the_restored_steady_state_is_pooled_over_the_runs_whose_first_second_is_judged() {
        String md = MarkdownReport.render(Fixtures.allTargetsMet(), "img");
        assertTrue(md.contains("Steady state: a 3 s window after " + (2 + Fixtures.allTargetsMet().settings().steadySeconds())
                + " s of load, in every run of a restored worker (pooled, the runs whose first second is judged) and in the last run"
                + " of a cold JVM."), md);
    }

    @Test
    void a_first_second_p99_above_1_2x_the_steady_state_misses_its_target() {
        String row = targetRow(Fixtures.result(120, 1.5, 60, 0, 300), "first-second p99 of a restored worker");
        assertTrue(row.contains("1.50x") && row.endsWith("| **no** |"), row);
    }

    @Test
    void a_warm_jvm_on_new_connections_is_shown_beside_the_first_second_and_left_out_where_not_measured() {
        BenchResult all = Fixtures.allTargetsMet();
        List<BenchResult.Startup> startup = all.startup().stream().map(s -> s.mode() != Mode.RESTORED ? s
                : new BenchResult.Startup(s.mode(), s.firstOkMillis(), s.toFirstOk(), s.firstSecond(), s.steady(), s.timeline(),
                        s.criu(), s.cost(), Fixtures.traffic(15000, 0.2, s.steady().p99Ms() * 1.6))).toList();
        BenchResult r = new BenchResult(all.startedAt(), all.durationSeconds(), all.machine(), all.settings(), all.image(), startup,
                all.memory(), all.reliability(), all.reference(), all.economy(), List.of());
        String table = MarkdownReport.trafficTable(r);
        String mapRow = Arrays.stream(table.split("\n")).filter(l -> l.startsWith("| " + Mode.RESTORED.label + " |")).findFirst()
                .orElseThrow();
        assertTrue(mapRow.endsWith("(1.60x) |"), table);
        String coldRow = Arrays.stream(table.split("\n")).filter(l -> l.startsWith("| " + Mode.COLD.label + " |")).findFirst()
                .orElseThrow();
        assertTrue(coldRow.endsWith("| - |"), table);
        String p99Target = MarkdownReport.firstSecondTargets("", r).get(1).get(1);
        assertTrue(p99Target.contains("the same JVM warm, on new connections: 1.60x"), p99Target);
    }

    @Test
    void without_an_aot_cache_the_report_has_no_aot_row_and_no_aot_target() {
        BenchResult all = Fixtures.allTargetsMet();
        BenchResult noAot = new BenchResult(all.startedAt(), all.durationSeconds(), all.machine(), all.settings(), all.image(),
                all.startup().stream().filter(s -> s.mode() != Mode.AOT).toList(), all.memory(), all.reliability(), all.reference(),
                all.economy(), List.of());
        String md = MarkdownReport.render(noAot, "img");
        assertFalse(md.contains(Mode.AOT.label), md);
        assertFalse(md.contains("faster than the AOT cache"), md);
        assertFalse(md.contains("### Notes"), md);
    }

    @Test
    void without_pool_scenarios_or_reference_their_sections_and_targets_are_left_out() {
        BenchResult all = Fixtures.allTargetsMet();
        BenchResult bare = new BenchResult(all.startedAt(), all.durationSeconds(), all.machine(), all.settings(), all.image(),
                all.startup(), all.memory(), null, null, null, List.of());
        String md = MarkdownReport.render(bare, "img");
        assertFalse(md.contains("rolling restart"), md);
        assertFalse(md.contains("Next to gunicorn"), md);
    }

    @Test
    void the_report_links_every_chart_under_the_given_directory() {
        String md = MarkdownReport.render(Fixtures.allTargetsMet(), "img");
        for (String chart : List.of("startup", "latency", "timeline", "memory", "memory-per-worker")) {
            assertTrue(md.contains("](img/" + chart + ".png)"), chart);
        }
    }

    @Test
    void the_reference_table_puts_gunicorn_next_to_thaw_per_worker() {
        String table = MarkdownReport.referenceTable(Fixtures.allTargetsMet());
        assertTrue(table.contains("| new worker ready after TTIN (median) | 11 ms | 290 ms |"), table);
        assertTrue(table.contains("| N=8: PSS per worker (total / N) | 100.0 MiB (total 800.0 MiB, master 250.0 MiB) | 60.0 MiB"), table);
    }

    @Test
    void a_table_has_a_header_a_right_aligned_separator_and_one_line_per_row() {
        String t = MarkdownReport.table(List.of("", "a", "b"), List.of(List.of("x", "1", "2"), List.of("y", "3", "4")));
        assertEquals("|  | a | b |\n| --- | ---: | ---: |\n| x | 1 | 2 |\n| y | 3 | 4 |\n", t);
    }

    @Test
    void missing_figures_render_as_a_dash_not_as_nan() {
        assertEquals("-", MarkdownReport.ms(Double.NaN));
        assertEquals("-", MarkdownReport.fmt(Double.POSITIVE_INFINITY, 1));
        assertEquals("1.25", MarkdownReport.fmt(1.2468, 2));
    }

    @Test
    void image_economy_shows_both_images_with_their_size_ratio_and_restore_times() {
        String table = MarkdownReport.imageEconomyTable(Fixtures.economy());
        assertTrue(table.contains("| heap shrunk before the dump (default) | 400.0 MiB | 350 ms | 120 ms (110 ms-130 ms) |"), table);
        assertTrue(table.contains("| heap not shrunk (`-Dthaw.heap-shrink=false`) | 700.0 MiB (1.75x) | 600 ms | 200 ms (190 ms-260 ms) |"), table);
    }

    @Test
    void generation_2_is_set_against_generation_1_by_first_second_throughput() {
        String table = MarkdownReport.generationsTable(Fixtures.economy());
        assertTrue(table.contains("| generation 1 (leader) | 400.0 MiB | 125 ms | 4000 | 0.40 ms | 20.00 ms |"), table);
        assertTrue(table.contains("| generation 2 (worker 0 of generation 1 after 1000 requests) | 410.0 MiB | 126 ms | 6000 (1.50x) |"), table);
    }

    @Test
    void per_worker_pss_after_load_with_the_jvms_young_generation_is_shown_as_a_share_of_the_default() {
        String table = MarkdownReport.sharingTable(Fixtures.economy());
        assertTrue(table.contains("| default | 120.0 MiB | 220.0 MiB | 9000 |"), table);
        assertTrue(table.contains("| the JVM's young generation (`thaw checkpoint --young-gen-max 0`) | 118.0 MiB | 600.0 MiB (273%) | 8800 |"), table);
    }

    @Test
    void a_refork_that_did_not_happen_is_said_instead_of_compared() {
        BenchResult.Economy e = Fixtures.economy();
        String md = MarkdownReport.economySection(new BenchResult.Economy(e.runs(), e.images(), List.of(), e.sharing()));
        assertTrue(md.contains("Not measured: the refork did not complete"), md);
        assertTrue(md.contains("### Image economy") && md.contains("### PSS per worker after load"), md);
    }

    @Test
    void without_economy_runs_the_issue_8_sections_are_left_out() {
        BenchResult all = Fixtures.allTargetsMet();
        BenchResult none = new BenchResult(all.startedAt(), all.durationSeconds(), all.machine(), all.settings(), all.image(),
                all.startup(), all.memory(), all.reliability(), all.reference(), null, List.of());
        String md = MarkdownReport.render(none, "img");
        assertFalse(md.contains("### Image economy") || md.contains("refork"), md);
    }
}
