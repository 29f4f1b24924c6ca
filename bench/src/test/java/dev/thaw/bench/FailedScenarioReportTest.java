package dev.thaw.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.bench.BenchResult.Replacements;
import dev.thaw.bench.BenchResult.RollingRestart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: a scenario that fails (here kill -9, through a fake pool) is reported with its error, and the run goes on;
 * bench.md and bench.json are written after each scenario, so nothing measured before a failure is lost.
 */
class FailedScenarioReportTest {
    @TempDir
    Path out;

    private final List<String> progress = new ArrayList<>();

    /** A pool whose kill -9 fails the way the real one did (the wrong worker PID), and whose other scenarios measure. */
    private static final class PoolWhoseKillFails implements PoolScenarios.Pool {
        @Override
        public RollingRestart rollingRestart(int workers) {
            return new RollingRestart(2996, 0, 2.5, Summary.of(List.of(146, 150, 140, 160)));
        }

        @Override
        public Replacements killWorkers() throws IOException {
            throw new IOException("kill -KILL 896 failed");
        }

        @Override
        public Replacements addWorkers() {
            return new Replacements(3, Summary.of(List.of(59, 61, 58)), Summary.of(List.of(40, 42, 41)), 0, 0);
        }
    }

    private RunningReport report() {
        BenchResult figures = Fixtures.allTargetsMet();
        RunningReport report = new RunningReport(Fixtures.settings(List.of(1, 8), out), progress::add, new ArrayList<>());
        report.machine = figures.machine();
        report.image = figures.image();
        return report;
    }

    @Test
    void a_failing_kill_scenario_is_marked_in_bench_md_next_to_every_other_scenarios_figures() throws Exception {
        BenchResult figures = Fixtures.allTargetsMet();
        RunningReport report = report();
        report.measure(Scenario.STARTUP, figures::startup, s -> report.startup = s);
        report.measure(Scenario.MEMORY, figures::memory, m -> report.memory = m);
        report.reliability = new BenchResult.Reliability(4, null, null, null, "map");
        PoolScenarios.measure(4, report, new PoolWhoseKillFails());
        report.measure(Scenario.REFERENCE, figures::reference, r -> report.reference = r);

        String md = Files.readString(out.resolve("bench.md"));
        assertTrue(md.contains("### Scenarios that failed"), md);
        assertTrue(md.contains("| kill -9 of a worker under load | **FAILED**: IOException: kill -KILL 896 failed |"), md);
        assertTrue(md.contains("| kill -9 of one worker, 5 times, under load | **FAILED**: IOException: kill -KILL 896 failed |"), md);
        // every other scenario's figures: start-up, memory, the rolling restart, TTIN, the reference server
        assertTrue(md.contains("| cold JVM | 3000 ms"), md);
        assertTrue(md.contains("### Memory of N workers"), md);
        assertTrue(md.contains("0 failed of 2996"), md);
        assertTrue(md.contains("| TTIN (one more worker), 3 times | 59 ms (58 ms-61 ms) |"), md);
        assertTrue(md.contains("### Next to gunicorn"), md);

        BenchResult json = Reports.read(out.resolve("bench.json"));
        assertEquals(List.of(new BenchResult.Failure("kill -9 of a worker under load", "IOException: kill -KILL 896 failed")),
                json.failures());
        assertEquals(2996, json.reliability().rolling().okRequests());
        assertEquals(BenchCommand.EXIT_SCENARIOS_FAILED, BenchCommand.exitCode(report.result()));
        assertTrue(progress.stream().anyMatch(l -> l.contains("kill -9 of a worker under load FAILED")), progress.toString());
        assertTrue(progress.stream().noneMatch(l -> l.contains("could not write")), progress.toString());
    }

    @Test
    void the_report_is_written_after_each_scenario_so_it_grows_as_the_run_goes() throws Exception {
        BenchResult figures = Fixtures.allTargetsMet();
        RunningReport report = report();
        report.measure(Scenario.STARTUP, figures::startup, s -> report.startup = s);
        String afterStartup = Files.readString(out.resolve("bench.md"));
        assertTrue(afterStartup.contains("| cold JVM | 3000 ms"), afterStartup);
        assertFalse(afterStartup.contains("### Next to gunicorn"), afterStartup);

        report.measure(Scenario.REFERENCE, figures::reference, r -> report.reference = r);
        assertTrue(Files.readString(out.resolve("bench.md")).contains("### Next to gunicorn"));
        assertTrue(Files.isRegularFile(out.resolve("img/startup.png")));
        assertEquals(0, BenchCommand.exitCode(report.result()));
        assertTrue(progress.stream().noneMatch(l -> l.contains("could not write")), progress.toString());
    }

    @Test
    void a_pool_that_never_starts_marks_its_three_scenarios_and_the_reference_still_runs() throws Exception {
        BenchResult figures = Fixtures.allTargetsMet();
        RunningReport report = report();
        report.measure(Scenario.POOL_START, () -> {
            throw new dev.thaw.ThawException("thaw run did not log all 4 workers ready in time");
        }, m -> { });
        List.of(Scenario.ROLLING_RESTART, Scenario.KILL, Scenario.TTIN).forEach(s -> report.skip(s, Scenario.POOL_START));
        report.measure(Scenario.REFERENCE, figures::reference, r -> report.reference = r);

        String md = Files.readString(out.resolve("bench.md"));
        assertTrue(md.contains("| thaw run: all workers ready | **FAILED**: thaw run did not log all 4 workers ready in time |"), md);
        assertTrue(md.contains("| TTIN to a new worker | **FAILED**: not run: thaw run: all workers ready failed |"), md);
        assertTrue(md.contains("### Next to gunicorn"), md);
        assertEquals(4, report.result().failures().size());
        assertTrue(progress.stream().noneMatch(l -> l.contains("could not write")), progress.toString());
    }
}
