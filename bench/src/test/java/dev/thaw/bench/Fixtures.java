package dev.thaw.bench;

import dev.thaw.bench.BenchResult.Memory;
import dev.thaw.bench.BenchResult.Mode;
import dev.thaw.bench.BenchResult.Reference;
import dev.thaw.bench.BenchResult.ReferenceMemory;
import dev.thaw.bench.BenchResult.Reliability;
import dev.thaw.bench.BenchResult.Replacements;
import dev.thaw.bench.BenchResult.RollingRestart;
import dev.thaw.bench.BenchResult.Setup;
import dev.thaw.bench.BenchResult.Startup;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Bench results with chosen figures, for the report and chart tests. */
final class Fixtures {
    static final long MIB = 1024 * 1024;

    private Fixtures() {
    }

    static BenchSettings settings(List<Integer> workers) {
        return settings(workers, Path.of("out"));
    }

    /** Settings whose report goes into {@code out}. */
    static BenchSettings settings(List<Integer> workers, Path out) {
        return new BenchSettings(List.of("java", "-jar", "app.jar"), URI.create("http://127.0.0.1:8080/health"), List.of(), workers, 5,
                4, 2000, 10, 60, 180, true, 4, 3, 20, "-Dsample.dataset.mb=750", 3, "gunicorn", "gunicorn --preload -w 1 app:app", URI.create("http://127.0.0.1:8081/health"),
                List.of(), "auto", false, null, 0, false, out, Path.of("work"), List.of("java", "-jar", "thaw.jar"));
    }

    static Machine machine() {
        return new Machine("AMD EPYC", 2, 24L << 30, "Linux 6.18", "Debian GNU/Linux 12 (bookworm)", "Temurin 25", "Temurin 25", "4.2.1");
    }

    static Traffic traffic(double rps, double p50, double p99) {
        return new Traffic((long) rps, 0, 1, rps, p50, p99, p99 * 2);
    }

    static Startup startup(Mode mode, long medianMillis, double firstP99, double steadyP99) {
        List<Traffic> timeline = new ArrayList<>(Collections.nCopies(20, traffic(9000, 0.2, steadyP99)));
        timeline.set(0, traffic(5000, 0.3, firstP99 * 3));
        return new Startup(mode, List.of(medianMillis, medianMillis - 10, medianMillis + 40), Summary.of(List.of(medianMillis,
                medianMillis - 10, medianMillis + 40)), traffic(8000, 0.2, firstP99), traffic(20000, 0.1, steadyP99), timeline);
    }

    static Memory memory(int n, Setup setup, long perWorkerMib) {
        return new Memory(n, setup, n * perWorkerMib * MIB, n * (perWorkerMib + 20) * MIB, setup == Setup.COLD_JVMS ? 0 : n * MIB,
                setup == Setup.RESTORED_KSM ? 12 : 0, 0);
    }

    /**
     * A result where restored workers start 25x faster than cold (3000 vs 120 ms), 8 merged workers
     * take 1/6 of 8 cold JVMs, and the first second p99 of a restored worker is 1.1x its steady state.
     */
    static BenchResult allTargetsMet() {
        return result(120, 1.1, 60, 0, 300);
    }

    static BenchResult result(long restoredMillis, double restoredFirstP99, long mergedPerWorkerMib, long failedDuringRoll,
                              long killMedianMillis) {
        List<Integer> workers = List.of(1, 8);
        List<Memory> memory = new ArrayList<>();
        for (int n : workers) {
            memory.add(memory(n, Setup.COLD_JVMS, 360));
            memory.add(memory(n, Setup.RESTORED, 270));
            memory.add(memory(n, Setup.RESTORED_KSM, n == 1 ? 250 : mergedPerWorkerMib));
            memory.add(memory(n, Setup.ONE_JVM, 400 / n));
        }
        Reliability reliability = new Reliability(4, new RollingRestart(5000, failedDuringRoll, 2.5, Summary.of(List.of(300, 320, 310, 400))),
                new Replacements(5, Summary.of(List.of(killMedianMillis, killMedianMillis + 50, killMedianMillis - 20)),
                        Summary.of(List.of(250, 260, 270)), 4000, 3),
                new Replacements(3, Summary.of(List.of(280, 290, 300)), Summary.of(List.of(250, 260, 270)), 0, 0));
        Reference reference = new Reference("gunicorn", "gunicorn --preload -w 1 app:app", 9000, Summary.of(List.of(10, 11, 12)),
                Summary.of(List.of(8, 9, 10)), List.of(new ReferenceMemory(1, 500 * MIB, 600 * MIB, 250 * MIB),
                new ReferenceMemory(8, 800 * MIB, 2000 * MIB, 250 * MIB)));
        return new BenchResult(Instant.parse("2026-11-24T15:00:00Z"), 600, machine(), settings(workers),
                new BenchResult.Image(400 * MIB, 350, 3100),
                List.of(startup(Mode.COLD, 3000, 90, 1.0), startup(Mode.AOT, 2000, 30, 1.0), startup(Mode.RESTORED, restoredMillis,
                        restoredFirstP99, 1.0)), memory, reliability, reference, economy(), List.of("a note"));
    }

    /**
     * Image economy: 400 MiB shrunk against 700 MiB not shrunk, restored in 120 vs 200 ms (median);
     * generation 2 answers 1.5x the requests of generation 1 in its first second at half the p50;
     * the workers of a leader with the JVM's young generation keep 600 MiB each after the load against 220 MiB by default.
     */
    static BenchResult.Economy economy() {
        return new BenchResult.Economy(3,
                List.of(new BenchResult.ImageVariant("heap shrunk before the dump (default)", "", 400 * MIB, 350, Summary.of(List.of(110, 120, 130))),
                        new BenchResult.ImageVariant("heap not shrunk", "-Dthaw.heap-shrink=false", 700 * MIB, 600,
                                Summary.of(List.of(190, 200, 260)))),
                List.of(new BenchResult.Generation(1, "leader", 400 * MIB, Summary.of(List.of(120, 125, 130)), traffic(4000, 0.4, 20)),
                        new BenchResult.Generation(2, "worker 0 of generation 1 after 1000 requests", 410 * MIB,
                                Summary.of(List.of(121, 126, 131)), traffic(6000, 0.2, 10))),
                List.of(new BenchResult.Sharing("default", "", 2, 20, 9000, 120 * MIB, 220 * MIB),
                        new BenchResult.Sharing("the JVM's young generation", "thaw checkpoint --young-gen-max 0", 2, 20, 8800, 118 * MIB,
                                600 * MIB)));
    }

    static BenchResult.RestoreFigures criu(String mode, double restoreMillis, long mappedMib, long copiedMib) {
        return new BenchResult.RestoreFigures(mode, Summary.of(List.of(restoreMillis, restoreMillis + 2, restoreMillis - 2)), mappedMib * MIB,
                copiedMib * MIB, 3, Summary.of(List.of(restoreMillis + 40, restoreMillis + 45)), Summary.of(List.of(15, 17)));
    }

    /**
     * A run with restore by mapping where every one of its targets is met: map 90 ms to first 200 against cold 3000 ms
     * (33x) and copy 500 ms (5.6x); an image 2.125x as large restores (map) in 99 ms (1.10x); 8 mapped workers all ready
     * in 800 ms (copied: 6000 ms) and take 50 MiB each against 360 MiB per cold JVM (1/7.2); in its first second a mapped worker
     * serves 17000 req/s against 20000 steady (0.85x) at a p99 of 1.3 ms against 1.0 ms (1.30x), a copied one 16000 req/s at
     * 1.4 ms; kill -9 to ready 150 ms in map mode.
     */
    static BenchResult mapped() {
        return mapped(90, 99, 850, 800, 50, 150);
    }

    static BenchResult mapped(long mapMillis, long largeMapMillis, long largeImageMib, long allReadyMillis, long mapPerWorkerMib,
                              long killMedianMillis) {
        BenchResult base = allTargetsMet();
        List<Memory> memory = new ArrayList<>();
        for (Memory m : base.memory()) {
            memory.add(m.setup() == Setup.RESTORED || m.setup() == Setup.RESTORED_KSM
                    ? new Memory(m.workers(), m.setup(), m.totalPssBytes(), m.totalRssBytes(), m.helperPssBytes(), m.settleSeconds(),
                    m.mergedBytes(), m.workers() == 8 ? 6000 : 700, criu("copy", 480, 0, 400))
                    : m);
        }
        for (int n : base.settings().workers()) {
            memory.add(new Memory(n, Setup.RESTORED_MAP, n * mapPerWorkerMib * MIB, n * 400 * MIB, n * MIB, 0, 0,
                    n == 8 ? allReadyMillis : 70, criu("map", 30, 399, 1)));
        }
        Startup copy = base.startup(Mode.RESTORED);
        List<Startup> startup = List.of(base.startup(Mode.COLD), base.startup(Mode.AOT),
                new Startup(Mode.RESTORED, List.of(500L, 490L, 540L), Summary.of(List.of(500L, 490L, 540L)), traffic(16000, 0.15, 1.4),
                        copy.steady(), copy.timeline(), criu("copy", 480, 0, 400)),
                new Startup(Mode.RESTORED_MAP, List.of(mapMillis, mapMillis - 5, mapMillis + 20), Summary.of(List.of(mapMillis,
                        mapMillis - 5, mapMillis + 20)), traffic(17000, 0.15, 1.3), copy.steady(), copy.timeline(), criu("map", 30, 399, 1)));
        BenchResult.Scaling scaling = new BenchResult.Scaling(3, List.of(
                new BenchResult.ScaledImage("the bench's image", "", 400 * MIB, 350, List.of(
                        new BenchResult.ScaledRestore("map", Summary.of(List.of(90, 95, 88)), criu("map", 30, 399, 1)),
                        new BenchResult.ScaledRestore("copy", Summary.of(List.of(500, 510, 490)), criu("copy", 480, 0, 400)))),
                new BenchResult.ScaledImage("larger image", "-Dsample.dataset.mb=750", largeImageMib * MIB, 700, List.of(
                        new BenchResult.ScaledRestore("map", Summary.of(List.of(largeMapMillis, largeMapMillis + 4, largeMapMillis - 3)),
                                criu("map", 33, largeImageMib - 1, 1)),
                        new BenchResult.ScaledRestore("copy", Summary.of(List.of(1000, 1010, 990)), criu("copy", 960, 0, largeImageMib))))));
        BenchResult.Reliability rel = base.reliability();
        BenchResult.Reliability reliability = new BenchResult.Reliability(rel.workers(), rel.rolling(),
                new BenchResult.Replacements(5, Summary.of(List.of(killMedianMillis, killMedianMillis + 30, killMedianMillis - 10)),
                        Summary.of(List.of(100, 110, 120)), 4000, 0), rel.added(), "map");
        return new BenchResult(base.startedAt(), base.durationSeconds(), base.machine(), base.settings(), base.image(), startup, memory,
                reliability, base.reference(), base.economy(), scaling, List.of());
    }
}
