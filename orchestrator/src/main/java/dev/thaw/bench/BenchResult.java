package dev.thaw.bench;

import java.time.Instant;
import java.util.List;

/** Everything one {@code thaw bench} measured; written as bench.json and rendered as Markdown and charts. */
public record BenchResult(Instant startedAt, double durationSeconds, Machine machine, BenchSettings settings, Image image,
                          List<Startup> startup, List<Memory> memory, List<String> notes) {

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
        ONE_JVM("1 JVM, N x connections");

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
     */
    public record Startup(Mode mode, List<Long> firstOkMillis, Summary toFirstOk, Traffic firstSecond, Traffic steady) {
        public Startup {
            firstOkMillis = List.copyOf(firstOkMillis);
        }
    }

    /**
     * Memory of N workers (or of one JVM serving N workers' connections), summed over every process.
     *
     * @param helperPssBytes PSS of the helper processes included in the total (criu and unshare of restored workers)
     * @param settleSeconds how long page merging took to settle (RESTORED_KSM only, else 0)
     * @param mergedBytes memory KSM saved machine-wide when measured (RESTORED_KSM only, else 0)
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

    public Startup startup(Mode mode) {
        return startup.stream().filter(s -> s.mode() == mode).findFirst().orElse(null);
    }

    public Memory memory(int workers, Setup setup) {
        return memory.stream().filter(m -> m.workers() == workers && m.setup() == setup).findFirst().orElse(null);
    }
}
