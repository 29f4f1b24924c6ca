package dev.thaw.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.bench.BenchResult.Mode;
import dev.thaw.bench.BenchResult.Startup;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FirstSecondCostTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void should_read_each_collection_of_an_xlog_gc_line_with_its_wall_clock_time_pause_and_heap() {
        List<FirstSecondCost.Gc> gcs = FirstSecondCost.gcs(List.of(
                "[1764614400000ms] Using Serial",
                "[1764614400100ms] GC(0) Pause Young (Allocation Failure) 69M->12M(247M) 14.318ms",
                "worker=0 | [1764614400900ms] GC(1) Pause Full (System.gc()) 40M->31M(52M) 120.5ms",
                "[1764614401500ms] GC(2) Pause Young (Normal) (G1 Evacuation Pause) 512K->256K(1G) 1ms",
                "an app line"));
        assertEquals(List.of(new FirstSecondCost.Gc(1764614400100L, 14.318, 12 * MIB, 247 * MIB),
                new FirstSecondCost.Gc(1764614400900L, 120.5, 31 * MIB, 52 * MIB),
                new FirstSecondCost.Gc(1764614401500L, 1, 256 * 1024, 1024 * MIB)), gcs);
        assertEquals(2, FirstSecondCost.between(gcs, 1764614400000L, 1764614401000L).size());
    }

    @Test
    void should_read_faults_and_cpu_from_proc_stat_even_with_a_command_name_holding_spaces_and_parentheses() {
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 5000 0 7 0 120 30 0 0 20 0 40 0 100 0 0";
        FirstSecondCost.Counters c = FirstSecondCost.Counters.parse(stat);
        assertEquals(new FirstSecondCost.Counters(5000, 7, 150), c);
        FirstSecondCost.Counters self = FirstSecondCost.Counters.of(ProcessHandle.current().pid());
        assertTrue(self.minorFaults() > 0 && self.cpuTicks() > 0, self.toString());
    }

    @Test
    void should_average_the_runs_and_keep_the_largest_heap_after_the_last_collection_of_a_run() {
        FirstSecondCost c = FirstSecondCost.of(List.of(
                new FirstSecondCost.Run(new FirstSecondCost.Counters(1000, 10, 50), List.of(new FirstSecondCost.Gc(1, 5, MIB, 60 * MIB),
                        new FirstSecondCost.Gc(2, 7, MIB, 80 * MIB))),
                new FirstSecondCost.Run(new FirstSecondCost.Counters(3000, 0, 70), List.of())), 0.5);
        assertEquals(new FirstSecondCost(2, 2000, 5, 600, 1, 6, 80 * MIB, 0.5), c);
    }

    private static BenchResult withFirstSeconds(double coldRps, FirstSecondCost coldCost, double mapRps, FirstSecondCost mapCost) {
        BenchResult r = Fixtures.allTargetsMet();
        Startup cold = startup(Mode.COLD, coldRps, coldCost);
        Startup map = startup(Mode.RESTORED_MAP, mapRps, mapCost);
        return new BenchResult(Instant.parse("2026-11-24T15:00:00Z"), 600, r.machine(), r.settings(), r.image(), List.of(cold, map),
                r.memory(), r.reliability(), r.reference(), r.economy(), List.of());
    }

    private static Startup startup(Mode mode, double rps, FirstSecondCost cost) {
        Startup s = Fixtures.startup(mode, 100, 5, 1);
        return new Startup(mode, s.firstOkMillis(), s.toFirstOk(), Fixtures.traffic(rps, 0.3, 5), Fixtures.traffic(346, 0.1, 1), s.timeline(),
                null, cost);
    }

    @Test
    void should_say_plainly_when_restored_workers_are_not_faster_and_name_the_measured_costs_that_were_higher() {
        FirstSecondCost cold = new FirstSecondCost(5, 20000, 0, 900, 1, 4, 60 * MIB, 0.2);
        FirstSecondCost map = new FirstSecondCost(5, 60000, 3, 950, 4, 30, 90 * MIB, 0.2);
        String md = MarkdownReport.render(withFirstSeconds(80, cold, 76, map), "img");
        assertTrue(md.contains("**Restored (map) workers were not faster than cold JVMs in their first second**: 76 req/s against 80 (0.95x),"
                + " 346 req/s in their steady state."), md);
        assertTrue(md.contains("4.0 against 1.0 collections (30.0 ms against 4.0 ms of pauses; heap committed after them 90.0 MiB against 60.0 MiB)"), md);
        assertTrue(md.contains("Likely cause, from these figures: collections in the first second (30.0 ms of pauses against 4.0 ms)"), md);
        assertTrue(md.contains("and page faults (60003 against 20000)"), md);
        assertTrue(md.contains("| restored (map) | 4.0 | 30.0 ms | 90.0 MiB | 60000 | 3 | 950 ms | 0.2 |"), md);
    }

    @Test
    void should_not_invent_a_cause_when_no_measured_cost_was_higher() {
        FirstSecondCost same = new FirstSecondCost(5, 20000, 0, 900, 1, 4, 60 * MIB, 0.2);
        String md = MarkdownReport.render(withFirstSeconds(80, same, 80, same), "img");
        assertTrue(md.contains("Neither its collections nor its page faults exceeded the cold JVM's by more than 20%: the cause is not among"
                + " those measured here."), md);
    }

    @Test
    void should_say_so_when_restored_workers_are_faster() {
        String md = MarkdownReport.render(withFirstSeconds(80, FirstSecondCost.NONE, 9000, FirstSecondCost.NONE), "img");
        assertTrue(md.contains("Restored (map) workers were faster than cold JVMs in their first second: 9000 req/s against 80 (112.50x)"), md);
    }
}
