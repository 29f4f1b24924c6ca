package dev.thaw.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.ThawException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A second app measured in the same run (scripts/bench's Spring sample): its first-second section and its rows in issue 12's targets. */
class OtherAppReportTest {
    /** The other app: mapped workers serve 12000 req/s in their first second against 20000 steady (0.60x), p99 1.6 ms against 1.0. */
    private static final BenchResult SPRING = MappingReportTest.withMapFirstSecond(Fixtures.mapped(), Fixtures.traffic(12000, 0.3, 1.6));

    private static String row(String table, String first) {
        return Arrays.stream(table.split("\n")).filter(l -> l.startsWith("| " + first)).findFirst()
                .orElseThrow(() -> new AssertionError("no row '" + first + "' in\n" + table));
    }

    @Test
    void the_other_app_gets_its_first_second_section_right_after_the_app_s_own() {
        String md = MarkdownReport.render(Fixtures.mapped(), "img", List.of(new OtherApp("the Spring sample", SPRING)));
        int own = md.indexOf("### First second of traffic");
        int other = md.indexOf("### The Spring sample: first second");
        assertTrue(own > 0 && other > own && other < md.indexOf("### Memory of N workers"), md);
        String section = OtherAppReport.section(new OtherApp("the Spring sample", SPRING));
        assertTrue(section.contains("`java -jar app.jar`. Its leader was warmed with 2000 requests round robin on `/health`, then checkpointed"
                + " (image 400.0 MiB, dumped in 350 ms); its load: `/health`."), section);
        assertTrue(section.contains("To first 200 (median): cold JVM 3000 ms, cold JVM + AOT cache 2000 ms, restored (copy) 500 ms, restored (map) 90 ms."),
                section);
        assertTrue(row(section, "restored (map)").startsWith("| restored (map) | 12000 | 0.30 ms | 1.60 ms |"), section);
        assertTrue(row(section, "restored (copy)").startsWith("| restored (copy) | 16000 |"), section);
        assertTrue(section.contains("| first s: GCs |"), "what the first second cost: " + section);
    }

    @Test
    void the_other_app_s_first_second_joins_issue_12_s_targets_under_its_name() {
        String targets = MarkdownReport.mappingTargets(Fixtures.mapped(), List.of(new OtherApp("the Spring sample", SPRING)));
        assertTrue(row(targets, "first second of a restored worker (map)").endsWith("| 0.85x (17000 vs 20000 req/s; copy 0.80x) | yes |"), targets);
        assertTrue(row(targets, "the Spring sample: first second of a restored worker (map): throughput at least 0.8x")
                .endsWith("| 0.60x (12000 vs 20000 req/s; copy 0.80x) | **no** |"), targets);
        assertTrue(row(targets, "the Spring sample: ... and its p99 at most 1.5x").endsWith("| 1.60x (1.6 ms vs 1.0 ms; copy 1.40x) | **no** |"),
                targets);
    }

    @Test
    void a_failed_start_up_of_the_other_app_shows_its_targets_failed_with_the_error() {
        BenchResult r = Fixtures.mapped();
        BenchResult failed = new BenchResult(r.startedAt(), r.durationSeconds(), r.machine(), r.settings(), null, List.of(), List.of(), null,
                null, null, null, List.of(), List.of(new BenchResult.Failure(Scenario.CHECKPOINT.label, "leader never answered"),
                new BenchResult.Failure(Scenario.STARTUP.label, "skipped: thaw checkpoint of the app failed")));
        OtherApp other = new OtherApp("the Spring sample", failed);
        String targets = MarkdownReport.mappingTargets(r, List.of(other));
        assertTrue(row(targets, "the Spring sample: first second of a restored worker:")
                .endsWith("| **FAILED**: skipped: thaw checkpoint of the app failed | not measured |"), targets);
        String section = OtherAppReport.section(other);
        assertTrue(section.contains("#### Scenarios that failed") && section.contains("leader never answered"), section);
    }

    @Test
    void the_other_app_is_read_from_its_own_bench_json_named_before_the_equals_sign(@TempDir Path dir) throws Exception {
        Reports.write(SPRING, dir.resolve("spring"));
        OtherApp read = OtherApp.parse("the Spring sample=" + dir.resolve("spring/bench.json"));
        assertEquals("the Spring sample", read.name());
        assertEquals(OtherAppReport.section(new OtherApp("the Spring sample", SPRING)), OtherAppReport.section(read));
        Reports.write(Fixtures.mapped(), dir.resolve("main"), List.of(read));
        assertTrue(java.nio.file.Files.readString(dir.resolve("main/bench.md")).contains("### The Spring sample: first second"));
    }

    @Test
    void a_value_without_a_name_or_with_no_such_file_is_one_line_naming_the_fix() {
        ThawException noName = assertThrows(ThawException.class, () -> OtherApp.parse("spring/bench.json"));
        assertEquals(ThawException.EXIT_USAGE, noName.exitCode());
        assertTrue(noName.getMessage().contains("is not NAME=BENCH_JSON"), noName.getMessage());
        ThawException missing = assertThrows(ThawException.class, () -> OtherApp.parse("the Spring sample=/nonexistent/bench.json"));
        assertTrue(missing.getMessage().contains("no such file /nonexistent/bench.json"), missing.getMessage());
    }
}
