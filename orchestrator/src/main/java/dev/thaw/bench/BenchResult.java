package dev.thaw.bench;

import java.time.Instant;
import java.util.List;

/** Everything one {@code thaw bench} measured; written as bench.json and rendered as Markdown and charts. */
public record BenchResult(Instant startedAt, double durationSeconds, Machine machine, BenchSettings settings, Image image,
                          List<Startup> startup, List<Memory> memory, Reliability reliability, Reference reference,
                          Economy economy, List<String> notes) {

    public BenchResult {
        startup = List.copyOf(startup);
        memory = List.copyOf(memory);
        notes = List.copyOf(notes);
    }

    /** How a JVM got to serving. */
    public enum Mode {
        COLD("cold JVM"), AOT("cold JVM + AOT cache"), RESTORED("restored by thaw");

        public final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    /** What N workers' memory was measured for. */
    public enum Setup {
        COLD_JVMS("N cold JVMs"), RESTORED("N restored workers"), RESTORED_KSM("N restored + page merging"),
        ONE_JVM("1 JVM serving N workers' load");

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
     * @param steady a window after {@code steadySeconds} of load, in the last run
     * @param timeline the first {@link BenchSettings#FRESH_LOAD_MILLIS} of load in slices of
     *                 {@link BenchSettings#SLICE_MILLIS}, all runs pooled per slice
     */
    public record Startup(Mode mode, List<Long> firstOkMillis, Summary toFirstOk, Traffic firstSecond, Traffic steady,
                          List<Traffic> timeline) {
        public Startup {
            firstOkMillis = List.copyOf(firstOkMillis);
            timeline = List.copyOf(timeline);
        }
    }

    /**
     * thaw run under its signals (null when not measured).
     *
     * @param killed SIGKILL of one worker to its replacement's ready line
     * @param added TTIN to the new worker's ready line
     */
    public record Reliability(int workers, RollingRestart rolling, Replacements killed, Replacements added) {
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
     * @param mergedBytes the workers' pages merged by KSM when measured, from their ksm_stat (RESTORED_KSM only, else 0)
     */
    public record Memory(int workers, Setup setup, long totalPssBytes, long totalRssBytes, long helperPssBytes,
                         double settleSeconds, long mergedBytes) {
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
     *                the image of a leader with the tuned settings
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

    public Memory memory(int workers, Setup setup) {
        return memory.stream().filter(m -> m.workers() == workers && m.setup() == setup).findFirst().orElse(null);
    }
}
