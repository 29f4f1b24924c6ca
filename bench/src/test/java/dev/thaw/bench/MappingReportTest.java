package dev.thaw.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's parts for restore by mapping (issue 12): its targets, map against copy, image size, N at once. */
class MappingReportTest {
    private static String row(String table, String first) {
        return Arrays.stream(table.split("\n")).filter(l -> l.startsWith("| " + first)).findFirst()
                .orElseThrow(() -> new AssertionError("no row '" + first + "' in\n" + table));
    }

    private static String targetRow(BenchResult r, String target) {
        return row(MarkdownReport.mappingTargets(r), target);
    }

    @Test
    void every_mapping_target_is_met_when_the_figures_reach_it() {
        String targets = MarkdownReport.mappingTargets(Fixtures.mapped());
        assertFalse(targets.contains("**no**") || targets.contains("not measured"), targets);
        assertEquals(9, targets.split("\n").length - 2, targets);
        assertTrue(targets.contains("| 90 ms | yes |"), targets);
        assertTrue(targets.contains("| 33.3x (cold 3000 ms) | yes |"), targets);
        assertTrue(targets.contains("| 5.6x (copy 500 ms) | yes |"), targets);
        assertTrue(targets.contains("| 1.10x (99 ms vs 90 ms; image 2.13x) | yes |"), targets);
        assertTrue(targets.contains("| 800 ms (copy 6000 ms) | yes |"), targets);
        assertTrue(targets.contains("| 1/7.2 (400.0 MiB vs 2.8 GiB) | yes |"), targets);
        assertTrue(targetRow(Fixtures.mapped(), "kill -9").contains("(thaw run, map mode, 5 kills) | 150 ms (max 180 ms) | yes |"));
    }

    @Test
    void a_map_restore_above_100_ms_misses_its_target_and_so_may_its_ratios() {
        BenchResult slow = Fixtures.mapped(120, 130, 850, 800, 50, 150);
        assertTrue(targetRow(slow, "restored (map) to first 200").endsWith("| 120 ms | **no** |"));
        assertTrue(targetRow(slow, "... at least 30x faster than a cold start").contains("25.0x (cold 3000 ms) | **no** |"));
        assertTrue(targetRow(slow, "... at least 5x faster than restored (copy)").contains("4.2x (copy 500 ms) | **no** |"));
    }

    @Test
    void the_image_size_target_needs_an_image_twice_as_large_as_well_as_a_flat_restore_time() {
        assertTrue(targetRow(Fixtures.mapped(90, 120, 850, 800, 50, 150), "an image at least 2x as large").endsWith("| **no** |"));
        String small = targetRow(Fixtures.mapped(90, 95, 700, 800, 50, 150), "an image at least 2x as large");
        assertTrue(small.contains("image 1.75x)") && small.endsWith("| **no** |"), small);
    }

    @Test
    void eight_workers_are_judged_on_all_ready_and_on_pss_against_cold_jvms() {
        BenchResult r = Fixtures.mapped(90, 99, 850, 1300, 70, 150);
        assertTrue(targetRow(r, "8 workers restored at once (map): all ready within 1000 ms").endsWith("| 1300 ms (copy 6000 ms) | **no** |"));
        String pss = targetRow(r, "8 workers (map, KSM off), 2 s after all are ready: total PSS at most 1/6 of 8 cold JVMs");
        assertTrue(pss.contains("1/5.1") && pss.endsWith("| **no** |"), pss);
    }

    @Test
    void the_first_second_is_judged_on_the_map_mode_against_its_steady_state_with_copy_beside_it() {
        BenchResult r = Fixtures.mapped();
        assertTrue(targetRow(r, "first second of a restored worker (map): throughput at least 0.8x its steady state's")
                .endsWith("| 0.85x (17000 vs 20000 req/s; copy 0.80x) | yes |"), MarkdownReport.mappingTargets(r));
        assertTrue(targetRow(r, "... and its p99 at most 1.5x its steady state's").endsWith("| 1.30x (1.3 ms vs 1.0 ms; copy 1.40x) | yes |"),
                MarkdownReport.mappingTargets(r));
    }

    @Test
    void a_first_second_below_0_8x_the_steady_throughput_or_above_1_5x_its_p99_misses_its_target() {
        BenchResult base = Fixtures.mapped();
        BenchResult slow = withMapFirstSecond(base, Fixtures.traffic(12000, 0.3, 1.6));
        assertTrue(targetRow(slow, "first second of a restored worker (map)").contains("| 0.60x (12000 vs 20000 req/s; copy 0.80x) | **no** |"));
        assertTrue(targetRow(slow, "... and its p99 at most 1.5x").contains("| 1.60x (1.6 ms vs 1.0 ms; copy 1.40x) | **no** |"));
    }

    @Test
    void without_the_criu_patch_the_first_second_is_judged_on_copy() {
        BenchResult copyOnly = Fixtures.allTargetsMet();
        assertTrue(targetRow(copyOnly, "first second of a restored worker (copy): throughput at least 0.8x")
                .endsWith("| 0.40x (8000 vs 20000 req/s) | **no** |"));
        assertTrue(targetRow(copyOnly, "... and its p99 at most 1.5x").endsWith("| 1.10x (1.1 ms vs 1.0 ms) | yes |"));
    }

    /** {@code r} with its mapped workers' first second replaced. */
    static BenchResult withMapFirstSecond(BenchResult r, Traffic firstSecond) {
        List<BenchResult.Startup> startup = r.startup().stream().map(s -> s.mode() != BenchResult.Mode.RESTORED_MAP ? s
                : new BenchResult.Startup(s.mode(), s.firstOkMillis(), s.toFirstOk(), firstSecond, s.steady(), s.timeline(), s.criu(), s.cost()))
                .toList();
        return new BenchResult(r.startedAt(), r.durationSeconds(), r.machine(), r.settings(), r.image(), startup, r.memory(),
                r.reliability(), r.reference(), r.economy(), r.scaling(), r.notes());
    }

    @Test
    void a_slow_replacement_misses_the_200_ms_target() {
        assertTrue(targetRow(Fixtures.mapped(90, 99, 850, 800, 50, 250), "kill -9").contains("| 250 ms (max 280 ms) | **no** |"));
    }

    @Test
    void without_the_criu_patch_the_mapping_targets_are_not_measured_and_copy_is_shown_alone() {
        BenchResult copyOnly = Fixtures.allTargetsMet();
        String targets = MarkdownReport.mappingTargets(copyOnly);
        // the first second (judged on copy, thaw's mode without the patch) and the kill -9 row are measured whatever the mode
        assertEquals(6, targets.split("\n").length - 2 - 3, targets);
        for (String target : List.of("restored (map) to first 200", "... at least 30x", "... at least 5x", "an image at least 2x",
                "8 workers restored at once", "8 workers (map, KSM off)")) {
            assertTrue(targetRow(copyOnly, target).endsWith("| not measured |"), target);
        }
        assertTrue(targetRow(copyOnly, "kill -9").contains("mode not said"));
        String md = MarkdownReport.render(copyOnly, "img");
        assertFalse(md.contains("restored (map)") && md.contains("| restored (map) |"), md);
        assertTrue(md.contains("| restored (copy) | 120 ms |"), md);
        assertFalse(md.contains("N restored (map): total PSS"), md);
    }

    @Test
    void the_start_up_table_shows_criu_restore_time_and_what_each_mode_mapped_and_copied() {
        String table = MarkdownReport.startupTable(Fixtures.mapped());
        assertTrue(table.startsWith("|  | median | min | max | faster than cold | to READY (median) | of which CRIU restore | of which afterRestore | per worker: mapped / copied |"), table);
        assertTrue(table.contains("| cold JVM | 3000 ms | 2990 ms | 3040 ms | 1.0x |  |  |  |  |"), table);
        assertTrue(table.contains("| restored (copy) | 500 ms | 490 ms | 540 ms | 6.0x | 523 ms | 480 ms | 16 ms | 0 B / 400.0 MiB |"), table);
        assertTrue(table.contains("| restored (map) | 90 ms | 85 ms | 110 ms | 33.3x | 73 ms | 30 ms | 16 ms | 399.0 MiB / 1.0 MiB |"), table);
    }

    @Test
    void the_issue_9_targets_judge_the_default_restore_mode_map() {
        String row = row(MarkdownReport.targets(Fixtures.mapped()), "restored worker to first 200");
        assertTrue(row.contains("| 33.3x | yes |"), row);
    }

    @Test
    void the_image_size_section_shows_both_images_in_both_modes_and_how_each_mode_grows() {
        String md = MarkdownReport.scalingSection(Fixtures.mapped());
        assertTrue(md.contains("`-Dsample.dataset.mb=750` (a larger dataset): an image 2.13x as large"), md);
        assertTrue(md.contains("| the bench's image | 400.0 MiB | map | 90 ms (88 ms-95 ms) | 30 ms | 399.0 MiB / 1.0 MiB |"), md);
        assertTrue(md.contains("| larger image (`-Dsample.dataset.mb=750`) | 850.0 MiB (2.13x) | copy | 1000 ms (990 ms-1010 ms) | 960 ms | 0 B / 850.0 MiB |"), md);
        assertTrue(md.contains("map: 1.10x the time to first 200, 1.10x CRIU's restore time; copy: 2.00x the time to first 200, 2.00x CRIU's restore time."), md);
    }

    @Test
    void n_workers_at_once_are_shown_per_mode_with_what_they_mapped_and_copied() {
        String table = MarkdownReport.concurrentTable(Fixtures.mapped());
        assertTrue(table.startsWith("| N | restored (map): all ready | restored (copy): all ready | restored (copy) + page merging: all ready |"
                + " restored (map): per worker mapped / copied | restored (copy): per worker mapped / copied |"), table);
        assertTrue(table.contains("| 8 | 800 ms | 6000 ms | 6000 ms | 399.0 MiB / 1.0 MiB | 0 B / 400.0 MiB |"), table);
    }

    @Test
    void the_whole_report_has_the_mapping_sections_the_mode_of_thaw_run_and_the_map_column_in_memory() {
        String md = MarkdownReport.render(Fixtures.mapped(), "img");
        for (String part : List.of("Restore by mapping (issue 12):", "Kept from issue 9:", "### Restore time against image size",
                "### N workers restored at once", "N restored (map): total PSS", "restoring in map mode (`--restore-mode auto`, its default)",
                "`criu restore --mmap-page-image`")) {
            assertTrue(md.contains(part), part);
        }
    }

    @Test
    void gunicorn_is_set_against_thaw_s_smallest_workers_map_included() {
        String table = MarkdownReport.referenceTable(Fixtures.mapped());
        assertTrue(table.contains("| N=8: PSS per worker (total / N) | 100.0 MiB (total 800.0 MiB, master 250.0 MiB) | 50.0 MiB (restored (map)) |"), table);
    }

    @Test
    void a_result_with_restore_by_mapping_renders_again_from_its_json(@TempDir Path dir) throws Exception {
        BenchResult result = Fixtures.mapped();
        Reports.write(result, dir);
        BenchResult read = Reports.read(dir.resolve("bench.json"));
        assertEquals(MarkdownReport.render(result, "img"), MarkdownReport.render(read, "img"));
        assertEquals(result.scaling(), read.scaling());
        assertEquals("map", read.reliability().restoreMode());
    }

    @Test
    void a_larger_image_s_flag_replaces_the_command_s_own_setting_of_that_name() {
        List<String> command = List.of("java", "-Xmx2g", "-Dsample.dataset.mb=300", "-jar", "app.jar", "-Dsample.dataset.mb=1");
        assertEquals(List.of("java", "-Xmx2g", "-Dsample.dataset.mb=750", "-jar", "app.jar", "-Dsample.dataset.mb=1"),
                ScalingBench.withFlag(command, "-Dsample.dataset.mb=750"));
        assertEquals(List.of("java", "-Xmx4g", "-Dsample.dataset.mb=300", "-jar", "app.jar", "-Dsample.dataset.mb=1"),
                ScalingBench.withFlag(command, "-Xmx4g"));
        assertEquals(List.of("java", "-Dother=1", "-Xmx2g", "-Dsample.dataset.mb=300", "-jar", "app.jar", "-Dsample.dataset.mb=1"),
                ScalingBench.withFlag(command, "-Dother=1"));
        assertEquals(List.of("java", "-XX:-UseCompressedOops", "-cp", "x", "Main"),
                ScalingBench.withFlag(List.of("java", "-XX:+UseCompressedOops", "-cp", "x", "Main"), "-XX:-UseCompressedOops"));
    }
}
