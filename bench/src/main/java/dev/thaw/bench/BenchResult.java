package dev.thaw.bench;

import com.fasterxml.jackson.annotation.JsonCreator;
import dev.thaw.criu.RestoreStats;
import java.time.Instant;
import java.util.List;

/**
 * Everything one {@code thaw bench} measured; written as bench.json and rendered as Markdown and charts.
 *
 * @param scaling a larger image of the same app against the bench's own, restored in each mode (null when not measured)
 * @param failures the scenarios that failed, in the order they ran: the run went on without their figures
 */
public record BenchResult(Instant startedAt, double durationSeconds, Machine machine, BenchSettings settings, Image image,
                          List<Startup> startup, List<Memory> memory, Reliability reliability, Reference reference,
                          Economy economy, Scaling scaling, List<String> notes, List<Failure> failures) {

    @JsonCreator
    public BenchResult {
        startup = List.copyOf(startup);
        memory = List.copyOf(memory);
        notes = List.copyOf(notes);
        failures = failures == null ? List.of() : List.copyOf(failures); // bench.json of runs before failures were kept
    }

    /** A result in which every scenario that ran succeeded. */
    public BenchResult(Instant startedAt, double durationSeconds, Machine machine, BenchSettings settings, Image image,
                       List<Startup> startup, List<Memory> memory, Reliability reliability, Reference reference,
                       Economy economy, Scaling scaling, List<String> notes) {
        this(startedAt, durationSeconds, machine, settings, image, startup, memory, reliability, reference, economy, scaling, notes,
                List.of());
    }

    /** A result without the image-size comparison. */
    public BenchResult(Instant startedAt, double durationSeconds, Machine machine, BenchSettings settings, Image image,
                       List<Startup> startup, List<Memory> memory, Reliability reliability, Reference reference,
                       Economy economy, List<String> notes) {
        this(startedAt, durationSeconds, machine, settings, image, startup, memory, reliability, reference, economy, null, notes);
    }

    /** A scenario that failed, and its error as the report shows it. */
    public record Failure(String scenario, String error) {
    }

    /** Why {@code scenario} has no figures, when it failed. */
    public java.util.Optional<Failure> failure(String scenario) {
        return failures.stream().filter(f -> f.scenario().equals(scenario)).findFirst();
    }

    /**
     * How a JVM got to serving. RESTORED is a stock restore that copies the image (bench.json of runs before
     * restore by mapping has only that one); RESTORED_MAP maps it copy-on-write ({@code criu restore --mmap-page-image}).
     */
    public enum Mode {
        COLD("cold JVM"), AOT("cold JVM + AOT cache"), RESTORED("restored (copy)"), RESTORED_MAP("restored (map)");

        public final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    /** What N workers' memory was measured for; restored workers copy the image unless the setup says map. */
    public enum Setup {
        COLD_JVMS("N cold JVMs"), RESTORED_MAP("N restored (map)"), RESTORED("N restored (copy)"),
        RESTORED_KSM("N restored (copy) + page merging"), ONE_JVM("1 JVM serving N workers' load");

        public final String label;

        Setup(String label) {
            this.label = label;
        }
    }

    /** The thaw image the restores came from. */
    public record Image(long bytes, long dumpMillis, long leaderColdStartMillis) {
    }

    /**
     * Start-up of one mode over K runs.
     *
     * @param firstOkMillis process start to first HTTP 200, one per run
     * @param firstSecond the first second of load on each fresh JVM, all runs pooled
     * @param steady a window after {@code steadySeconds} of load: every run of a restored worker pooled, the last run of a cold JVM
     * @param timeline the first {@link BenchSettings#FRESH_LOAD_MILLIS} of load in slices of
     *                 {@link BenchSettings#SLICE_MILLIS}, all runs pooled per slice
     * @param cost what the first second cost the JVM: page faults, CPU, collections and the heap's size
     * @param warmNewConnections the first second of load on new connections to the same JVM, warm, right after its
     *                           steady state (last run): what new connections cost a JVM that has nothing left to warm
     */
    public record Startup(Mode mode, List<Long> firstOkMillis, Summary toFirstOk, Traffic firstSecond, Traffic steady,
                          List<Traffic> timeline, RestoreFigures criu, FirstSecondCost cost, Traffic warmNewConnections) {
        @JsonCreator
        public Startup {
            firstOkMillis = List.copyOf(firstOkMillis);
            timeline = List.copyOf(timeline);
            cost = cost == null ? FirstSecondCost.NONE : cost; // absent from the bench.json of older runs
            warmNewConnections = warmNewConnections == null ? Traffic.NONE : warmNewConnections; // likewise
        }

        public Startup(Mode mode, List<Long> firstOkMillis, Summary toFirstOk, Traffic firstSecond, Traffic steady,
                       List<Traffic> timeline, RestoreFigures criu, FirstSecondCost cost) {
            this(mode, firstOkMillis, toFirstOk, firstSecond, steady, timeline, criu, cost, null);
        }

        public Startup(Mode mode, List<Long> firstOkMillis, Summary toFirstOk, Traffic firstSecond, Traffic steady,
                       List<Traffic> timeline, RestoreFigures criu) {
            this(mode, firstOkMillis, toFirstOk, firstSecond, steady, timeline, criu, null);
        }

        public Startup(Mode mode, List<Long> firstOkMillis, Summary toFirstOk, Traffic firstSecond, Traffic steady,
                       List<Traffic> timeline) {
            this(mode, firstOkMillis, toFirstOk, firstSecond, steady, timeline, null);
        }
    }

    /**
     * Where a set of restores spent their time, and what CRIU mapped and copied: CRIU's own account from the
     * {@code stats-restore} each left in its worker's work directory, and the worker's own (its READY message).
     *
     * @param mode how they restored: "map" or "copy"
     * @param restoreMillis CRIU's restore time (its restore_time: the process tree and its memory), one per restore
     * @param mappedBytesPerWorker memory mapped copy-on-write from the image, per worker (median)
     * @param copiedBytesPerWorker memory copied from the image into the worker's own pages, per worker (median)
     * @param restores how many restores left readable stats
     * @param readyMillis restore start (the helpers' process start) until the worker's READY arrived, one per restore
     * @param afterRestoreMillis the app's afterRestore callbacks, as the worker timed them (in READY), one per restore
     */
    public record RestoreFigures(String mode, Summary restoreMillis, long mappedBytesPerWorker, long copiedBytesPerWorker, int restores,
                                 Summary readyMillis, Summary afterRestoreMillis) {
        public static RestoreFigures of(String mode, List<RestoreStats> stats) {
            return of(mode, stats, List.of(), List.of());
        }

        public static RestoreFigures of(String mode, List<RestoreStats> stats, List<Long> readyMillis, List<Long> afterRestoreMillis) {
            return new RestoreFigures(mode, Summary.of(stats.stream().map(s -> s.restoreMicros() / 1000.0).toList()),
                    (long) Summary.of(stats.stream().map(RestoreStats::bytesMapped).toList()).median(),
                    (long) Summary.of(stats.stream().map(RestoreStats::bytesCopied).toList()).median(), stats.size(),
                    Summary.of(readyMillis), Summary.of(afterRestoreMillis));
        }

        public boolean isEmpty() {
            return restores == 0;
        }
    }

    /**
     * An image of the same app at least twice as large as the bench's own (a bigger dataset), restored from both in
     * each mode, interleaved: how a restore's time grows with the image.
     *
     * @param images the bench's own image first, then the larger one
     */
    public record Scaling(int runs, List<ScaledImage> images) {
        public Scaling {
            images = List.copyOf(images);
        }
    }

    /** One image of the size comparison and its restores in each mode. */
    public record ScaledImage(String label, String leaderFlag, long bytes, long dumpMillis, List<ScaledRestore> restores) {
        public ScaledImage {
            restores = List.copyOf(restores);
        }

        public ScaledRestore restore(String mode) {
            return restores.stream().filter(r -> r.mode().equals(mode)).findFirst().orElse(null);
        }
    }

    /** Restores of one image in one mode: to first 200 (one per run) and CRIU's part. */
    public record ScaledRestore(String mode, Summary toFirstOk, RestoreFigures criu) {
    }

    /**
     * thaw run under its signals (null when not measured).
     *
     * @param killed SIGKILL of one worker to its replacement's ready line
     * @param added TTIN to the new worker's ready line
     * @param restoreMode the mode thaw run said it restores in ("map", "copy"; null when it did not say)
     *
     * rolling, killed and added are each null when that scenario failed ({@link BenchResult#failures()} says why).
     */
    public record Reliability(int workers, RollingRestart rolling, Replacements killed, Replacements added, String restoreMode) {
        @JsonCreator
        public Reliability {
        }

        public Reliability(int workers, RollingRestart rolling, Replacements killed, Replacements added) {
            this(workers, rolling, killed, added, null);
        }
    }

    /**
     * A rolling restart (HUP) under load.
     *
     * @param seconds from HUP to the last old worker's exit
     * @param readyMillis each replacement's restore to ready, as thaw run logged it
     */
    public record RollingRestart(long okRequests, long failedRequests, double seconds, Summary readyMillis) {
    }

    /**
     * Workers replaced or added one at a time.
     *
     * @param observedMillis from the signal to the ready line arriving on thaw run's output
     * @param reportedMillis restore start to ready, as the line says
     * @param okRequests requests of the load running meanwhile (0 and 0 without load)
     */
    public record Replacements(int count, Summary observedMillis, Summary reportedMillis, long okRequests, long failedRequests) {
    }

    /**
     * The reference pre-fork server (null when not measured).
     *
     * @param firstOkMillis master start to first 200 (the app loaded once, then forked)
     * @param spawnMillis TTIN to the new worker's ready line
     * @param killToReadyMillis SIGKILL of a worker to its replacement's ready line
     */
    public record Reference(String name, String command, long firstOkMillis, Summary spawnMillis, Summary killToReadyMillis,
                            List<ReferenceMemory> memory) {
        public Reference {
            memory = List.copyOf(memory);
        }

        public ReferenceMemory memory(int workers) {
            return memory.stream().filter(m -> m.workers() == workers).findFirst().orElse(null);
        }
    }

    /** The reference server's master plus N workers. */
    public record ReferenceMemory(int workers, long totalPssBytes, long totalRssBytes, long masterPssBytes) {
        public long perWorkerPssBytes() {
            return totalPssBytes / workers;
        }
    }

    /**
     * Memory of N workers (or of one JVM serving N workers' connections), summed over every process.
     *
     * @param helperPssBytes PSS of the helper processes included in the total (criu and unshare of restored workers)
     * @param settleSeconds how long page merging took to settle (RESTORED_KSM only, else 0)
     * @param mergedBytes the workers' pages merged by KSM when measured, from their ksm_stat (0 for cold JVMs); without page
     *                    merging it is 0 when KSM was really off for them
     * @param allReadyMillis restored workers, all started at once: from the first restore's start until every one said READY
     *                       (0 for the other setups)
     * @param criu CRIU's account of the restores (null for the other setups)
     */
    public record Memory(int workers, Setup setup, long totalPssBytes, long totalRssBytes, long helperPssBytes,
                         double settleSeconds, long mergedBytes, long allReadyMillis, RestoreFigures criu) {
        @JsonCreator
        public Memory {
        }

        public Memory(int workers, Setup setup, long totalPssBytes, long totalRssBytes, long helperPssBytes,
                      double settleSeconds, long mergedBytes) {
            this(workers, setup, totalPssBytes, totalRssBytes, helperPssBytes, settleSeconds, mergedBytes, 0, null);
        }

        public long perWorkerPssBytes() {
            return totalPssBytes / workers;
        }

        public long perWorkerRssBytes() {
            return totalRssBytes / workers;
        }
    }

    /**
     * Image economy, reforking and page sharing (null when not measured, {@code --economy-runs 0}).
     *
     * @param images the image with and without the heap shrunk before the dump (app-lifecycle's HeapShrinker)
     * @param generations a fresh worker from the leader's image (generation 1) and from the image reforked from a
     *                    worker that served load (generation 2); empty when the refork did not happen (see the notes)
     * @param sharing N restored workers with page merging under the same fixed load, from the default image and from
     *                the image of a leader with the JVM's own young generation sizing (thaw checkpoint --young-gen-max 0)
     */
    public record Economy(int runs, List<ImageVariant> images, List<Generation> generations, List<Sharing> sharing) {
        public Economy {
            images = List.copyOf(images);
            generations = List.copyOf(generations);
            sharing = List.copyOf(sharing);
        }
    }

    /**
     * One image made the bench's way, with one leader setting changed.
     *
     * @param leaderFlag what was added to the leader's command line ("" for the default)
     * @param toFirstOk restore start to first 200, one per run
     */
    public record ImageVariant(String label, String leaderFlag, long bytes, long dumpMillis, Summary toFirstOk) {
    }

    /**
     * A fresh worker restored from an image of one generation.
     *
     * @param madeFrom what the image was dumped from (the manifest's madeFrom)
     * @param firstSecond the first second of load right after the first 200, all runs pooled
     */
    public record Generation(long generation, String madeFrom, long bytes, Summary toFirstOk, Traffic firstSecond) {
    }

    /**
     * Per-worker PSS (total over the workers and their helpers, divided by N) once page merging settled,
     * and again right after {@code loadSeconds} of the same load.
     */
    public record Sharing(String label, String leaderFlag, int workers, int loadSeconds, double requestsPerSecond,
                          long idlePssPerWorkerBytes, long loadedPssPerWorkerBytes) {
    }

    public Startup startup(Mode mode) {
        return startup.stream().filter(s -> s.mode() == mode).findFirst().orElse(null);
    }

    /** The restored mode thaw uses by default: map when it was measured, else copy. */
    public Startup restored() {
        Startup map = startup(Mode.RESTORED_MAP);
        return map != null ? map : startup(Mode.RESTORED);
    }

    public Memory memory(int workers, Setup setup) {
        return memory.stream().filter(m -> m.workers() == workers && m.setup() == setup).findFirst().orElse(null);
    }
}
