package dev.thaw.host;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs ksmd at full speed while workers' pages are being merged, and slowly once merging has settled.
 *
 * <p>ksmd's cost is its scan rate, paid whether or not there is anything left to merge. Measured on 2
 * shared cores with 4 workers restored by copying a 225 MiB image (about 740 MiB merged): 15% of a core
 * while merging at {@link #FAST_PAGES_TO_SCAN} pages every {@link #FAST_SLEEP_MILLIS} ms, still 7-12%
 * at that rate once everything was merged, and 0.3% at {@link #SETTLED_PAGES_TO_SCAN} pages. So once
 * {@link MergeSettling} sees no more progress, {@code pages_to_scan} drops to {@link #SETTLED_PAGES_TO_SCAN}
 * (or the host's own value, if higher); when merging grows again (a worker restored, a roll) it goes
 * back to full speed. Only a change of state moves the rate.
 *
 * <p>It only ever lowers what thaw raised: when the host already scanned at least as fast before thaw
 * (no recorded original), it changes nothing.
 */
public final class KsmScanGovernor implements AutoCloseable {
    /** The rate measured to merge 4 workers of a 315 MB image within 15 s on 2 cores. */
    public static final int FAST_PAGES_TO_SCAN = 5000;
    public static final int FAST_SLEEP_MILLIS = 10;
    /** The kernel's default pages_to_scan: at 10 ms, 1/50 of the full-speed scan. */
    public static final int SETTLED_PAGES_TO_SCAN = 100;
    static final Duration SAMPLE_EVERY = Duration.ofSeconds(5);
    static final Duration QUIET = Duration.ofSeconds(30);
    static final long MIN_FULL_SCANS = 2;

    private final HostSettings host;
    private final HostFiles files;
    private final Consumer<String> log;
    private final MergeSettling settling = new MergeSettling(QUIET, MIN_FULL_SCANS);
    private final HostSetting pagesToScan;
    private volatile Thread thread;
    /** What the last step decided; thaw starts ksmd at full speed. */
    private boolean settled;

    KsmScanGovernor(HostSettings host, HostFiles files, Consumer<String> log) {
        this.host = host;
        this.files = files;
        this.log = log;
        this.pagesToScan = files.ksm("pages_to_scan");
    }

    /** Starts watching in a daemon thread; {@link #close()} stops it. */
    public static KsmScanGovernor start(HostSettings host, HostFiles files, Consumer<String> log) {
        KsmScanGovernor g = new KsmScanGovernor(host, files, log);
        g.thread = Thread.ofPlatform().daemon().name("thaw-ksm-scan-rate").start(g::watch);
        return g;
    }

    private void watch() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(SAMPLE_EVERY);
                step(System.nanoTime());
            }
        } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes one sample and sets the scan rate it calls for. */
    void step(long nanos) {
        try {
            Optional<Long> sharing = counter("pages_sharing");
            Optional<Long> scans = counter("full_scans");
            Optional<String> original = host.original(pagesToScan);
            if (sharing.isEmpty() || scans.isEmpty() || original.isEmpty()) {
                return; // no KSM, or thaw did not raise the rate: nothing of ours to lower
            }
            boolean settled = settling.settledAfter(new MergeSettling.Sample(nanos, sharing.get(), scans.get()));
            if (settled == this.settled) {
                return; // only a change of state moves the rate: whatever an operator set meanwhile stands
            }
            this.settled = settled;
            int want = settled ? Math.max(SETTLED_PAGES_TO_SCAN, parse(original.get())) : FAST_PAGES_TO_SCAN;
            if (host.set(pagesToScan, Integer.toString(want))) {
                log.accept(settled
                        ? "page merging settled (" + sharing.get() * 4096 / (1024 * 1024) + " MiB saved, no growth for "
                        + QUIET.toSeconds() + " s): ksmd slowed to " + want + " pages per scan"
                        : "page merging busy again: ksmd back to " + want + " pages per scan");
            }
        } catch (IOException | IllegalStateException e) {
            // The pool is stopping (settings given back) or ksm became unwritable: leave the rate alone.
        }
    }

    private Optional<Long> counter(String name) {
        try {
            return Optional.of(Long.parseLong(Files.readString(files.ksm(name).file()).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static int parse(String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            return SETTLED_PAGES_TO_SCAN;
        }
    }

    @Override
    public void close() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
