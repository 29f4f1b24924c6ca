package dev.thaw.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a fresh JVM's first second of load cost it, measured, so that the report can say why a restored worker is or is not
 * faster than a cold JVM then: its own counters from {@code /proc/PID/stat} (page faults and CPU time between the start of
 * the load and one second later) and its garbage collections in that second from {@code -Xlog:gc} (the bench adds
 * {@link #GC_LOG_FLAG} to every JVM it measures, and to the leader, so restored workers log theirs too), with the heap's
 * committed size at each. Averages per run of a mode.
 *
 * @param runs how many runs the figures average
 * @param minorFaults page faults served without I/O (a page mapped copy-on-write from the image, or a new one), per run
 * @param majorFaults page faults that read from a file (the image's pages not yet in the page cache), per run
 * @param cpuMillis the JVM's user and system CPU time, per run
 * @param gcs garbage collections, per run
 * @param gcPauseMillis their pauses added up, per run
 * @param heapCommittedBytes the heap's committed size after the last GC of the first second (the largest over runs; 0: no GC)
 * @param steadyGcsPerSecond collections per second in the steady-state window of the last run (-1: not measured)
 */
public record FirstSecondCost(int runs, double minorFaults, double majorFaults, double cpuMillis, double gcs, double gcPauseMillis,
                              long heapCommittedBytes, double steadyGcsPerSecond) {
    /** Every GC on the JVM's standard output, each line stamped with the wall clock in ms: restored workers log theirs too. */
    static final String GC_LOG_FLAG = "-Xlog:gc:stdout:timemillis";
    static final FirstSecondCost NONE = new FirstSecondCost(0, 0, 0, 0, 0, 0, 0, -1);

    /** One collection of an -Xlog:gc line: "[1733070000123ms] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 25M->4M(256M) 3.123ms". */
    record Gc(long atMillis, double pauseMillis, long heapAfterBytes, long heapCommittedBytes) {
        private static final Pattern LINE = Pattern.compile(
                "\\[(\\d+)ms\\].*GC\\(\\d+\\) .*?(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\) (\\d+(?:\\.\\d+)?)ms");

        static Optional<Gc> parse(String line) {
            Matcher m = LINE.matcher(line);
            if (!m.find()) {
                return Optional.empty();
            }
            return Optional.of(new Gc(Long.parseLong(m.group(1)), Double.parseDouble(m.group(8)), bytes(m.group(4), m.group(5)),
                    bytes(m.group(6), m.group(7))));
        }

        private static long bytes(String n, String unit) {
            return Long.parseLong(n) << switch (unit) {
                case "K" -> 10;
                case "M" -> 20;
                default -> 30;
            };
        }
    }

    static List<Gc> gcs(List<String> lines) {
        return lines.stream().map(Gc::parse).flatMap(Optional::stream).toList();
    }

    static List<Gc> gcs(Path log) {
        try {
            return Files.isRegularFile(log) ? gcs(Files.readAllLines(log)) : List.of();
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
    }

    static List<Gc> between(List<Gc> gcs, long fromMillis, long toMillis) {
        return gcs.stream().filter(g -> g.atMillis() >= fromMillis && g.atMillis() < toMillis).toList();
    }

    /** A process's own counters ({@code /proc/PID/stat}): faults and CPU time so far. */
    record Counters(long minorFaults, long majorFaults, long cpuTicks) {
        static final Counters NONE = new Counters(0, 0, 0);
        /** USER_HZ: the unit of utime and stime, 100 on every Linux of today. */
        static final long TICKS_PER_SECOND = 100;

        static Counters of(long pid) {
            try {
                return parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
            } catch (IOException | RuntimeException e) {
                return NONE; // gone
            }
        }

        /** Fields after the command's closing parenthesis: state is 0, minflt 7, majflt 9, utime 11, stime 12. */
        static Counters parse(String stat) {
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new Counters(Long.parseLong(f[7]), Long.parseLong(f[9]), Long.parseLong(f[11]) + Long.parseLong(f[12]));
        }

        Counters minus(Counters earlier) {
            return new Counters(minorFaults - earlier.minorFaults, majorFaults - earlier.majorFaults, cpuTicks - earlier.cpuTicks);
        }
    }

    /** One run's first second: its counters' change and its collections. */
    record Run(Counters counters, List<Gc> gcs) {
    }

    static FirstSecondCost of(List<Run> runs, double steadyGcsPerSecond) {
        if (runs.isEmpty()) {
            return NONE;
        }
        int n = runs.size();
        List<Gc> all = new ArrayList<>();
        runs.forEach(r -> all.addAll(r.gcs()));
        long committed = runs.stream().filter(r -> !r.gcs().isEmpty()).mapToLong(r -> r.gcs().get(r.gcs().size() - 1).heapCommittedBytes())
                .max().orElse(0);
        return new FirstSecondCost(n, runs.stream().mapToLong(r -> r.counters().minorFaults()).sum() / (double) n,
                runs.stream().mapToLong(r -> r.counters().majorFaults()).sum() / (double) n,
                runs.stream().mapToLong(r -> r.counters().cpuTicks()).sum() * 1000.0 / Counters.TICKS_PER_SECOND / n,
                all.size() / (double) n, all.stream().mapToDouble(Gc::pauseMillis).sum() / n, committed, steadyGcsPerSecond);
    }
}
