package dev.thaw.cli;

import dev.thaw.criu.RestoreMode;
import dev.thaw.host.HostFiles;
import dev.thaw.host.HostSettings;
import dev.thaw.host.KsmScanGovernor;
import dev.thaw.host.KsmTuning;
import dev.thaw.host.PageMerging;
import dev.thaw.pool.RunSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Kernel settings that make a pool behave as promised, applied where permitted, reported, and given
 * back when the pool stops ({@link HostSettings}: the last pool on the host to stop restores the
 * values it found; after a kill -9 the next pool to start does).
 * net.ipv4.tcp_migrate_req: when a draining worker closes its listening socket, connections still
 * waiting in its accept queue move to another worker of the SO_REUSEPORT group instead of being
 * reset, which is what makes a rolling restart lose no request.
 * Page merging (--ksm): set on this process before the first restore, so that every criu restore it
 * starts, and the JVM restored, inherits PR_SET_MEMORY_MERGE and ksmd merges the workers' identical
 * pages; ksmd scans at full speed until merging settles ({@link KsmScanGovernor}).
 */
final class SystemTuning implements AutoCloseable {
    private static final String MIGRATE_REQ = "net.ipv4.tcp_migrate_req";

    private final Optional<HostSettings> host;
    private final Optional<KsmScanGovernor> governor;
    private final Thread giveBackAtExit;

    private SystemTuning(Optional<HostSettings> host, Optional<KsmScanGovernor> governor) {
        this.host = host;
        this.governor = governor;
        // TERM/INT reach the supervisor, which returns and closes this; the hook covers an exit that does
        // not (a signal before the handlers are installed, System.exit). kill -9: the next pool's claim.
        this.giveBackAtExit = new Thread(this::giveBack, "thaw-give-back-host-settings");
        Runtime.getRuntime().addShutdownHook(giveBackAtExit);
    }

    static SystemTuning apply(PrintStream out, RunSettings settings, RestoreMode mode, HostFiles files) {
        Optional<HostSettings> host = claim(out, files);
        host.ifPresent(h -> migrateQueuedConnections(out, h, files));
        Optional<KsmScanGovernor> governor = settings.mergesPages(mode) ? pageMerging(out, host, files) : noPageMerging(out, settings.ksm(), mode);
        return new SystemTuning(host, governor);
    }

    private static Optional<HostSettings> claim(PrintStream out, HostFiles files) {
        try {
            return Optional.of(HostSettings.claim(files, line -> out.println("thaw: " + line)));
        } catch (IOException e) {
            out.println("thaw: warning: cannot keep a record of host settings in " + files.records() + " (" + e.getMessage()
                    + "): leaving KSM's and net.ipv4.tcp_migrate_req's settings as they are, since they could not be given back");
            return Optional.empty();
        }
    }

    private static Optional<KsmScanGovernor> noPageMerging(PrintStream out, String ksm, RestoreMode mode) {
        PageMerging.disableForChildren();
        out.println("thaw: page merging off (--ksm " + ksm + (mode == RestoreMode.MAP
                ? ", map mode): workers share the image's pages through the page cache; --ksm true also merges what they wrote"
                : "): each worker keeps private copies of the image's pages"));
        return Optional.empty();
    }

    private static Optional<KsmScanGovernor> pageMerging(PrintStream out, Optional<HostSettings> host, HostFiles files) {
        if (!files.hasKsm()) {
            out.println("thaw: " + PageMerging.status().describe());
            return Optional.empty();
        }
        Optional<PageMerging.Tuning> before = PageMerging.Tuning.read();
        List<String> problems = new ArrayList<>();
        if (!PageMerging.enableForChildrenOnly()) {
            problems.add("prctl(PR_SET_MEMORY_MERGE) refused: needs Linux 6.4+ and CAP_SYS_RESOURCE (run as root)");
        }
        host.ifPresent(h -> problems.addAll(KsmTuning.raise(h, files)));
        PageMerging.Status status = new PageMerging.Status(true, PageMerging.memoryMerge(), PageMerging.Tuning.read(), before, problems);
        out.println("thaw: " + status.describe());
        return host.filter(h -> status.active()).map(h -> KsmScanGovernor.start(h, files, line -> out.println("thaw: " + line)));
    }

    private static void migrateQueuedConnections(PrintStream out, HostSettings host, HostFiles files) {
        var setting = files.sysctl(MIGRATE_REQ);
        if (host.read(setting).isEmpty()) {
            out.println("thaw: warning: this kernel has no " + MIGRATE_REQ + " (Linux >= 5.14): a rolling restart may reset queued connections");
            return;
        }
        try {
            if (host.set(setting, "1")) {
                out.println("thaw: set " + MIGRATE_REQ + "=1 (queued connections of a draining worker move to the others)");
            }
        } catch (IOException e) {
            out.println("thaw: warning: cannot set " + MIGRATE_REQ + "=1 (" + e.getMessage()
                    + "): a rolling restart may reset queued connections; set it on the host (sysctl)");
        }
    }

    private void giveBack() {
        governor.ifPresent(KsmScanGovernor::close);
        host.ifPresent(HostSettings::close);
    }

    /** Stops the scan-rate governor and leaves; the last pool to leave gives the host its values back. */
    @Override
    public void close() {
        giveBack();
        try {
            Runtime.getRuntime().removeShutdownHook(giveBackAtExit);
        } catch (IllegalStateException exiting) {
            // already shutting down: the hook runs, and finds nothing left to do
        }
    }
}
