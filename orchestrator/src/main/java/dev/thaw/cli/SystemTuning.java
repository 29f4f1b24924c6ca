package dev.thaw.cli;

import dev.thaw.engine.PageMerging;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kernel settings that make a pool behave as promised, applied where permitted and reported.
 * net.ipv4.tcp_migrate_req: when a draining worker closes its listening socket, connections still
 * waiting in its accept queue move to another worker of the SO_REUSEPORT group instead of being
 * reset, which is what makes a rolling restart lose no request.
 * Page merging (--ksm): set on this process before the first restore, so that every criu restore it
 * starts, and the JVM restored, inherits PR_SET_MEMORY_MERGE and ksmd merges the workers' identical
 * pages. ksmd's tuning is machine-wide and left as set on exit, since another pool may rely on it.
 */
final class SystemTuning {
    private static final Path MIGRATE_REQ = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");

    private SystemTuning() {
    }

    static void apply(PrintStream out, boolean ksm) {
        migrateQueuedConnections(out);
        pageMerging(out, ksm);
    }

    private static void pageMerging(PrintStream out, boolean ksm) {
        if (!ksm) {
            PageMerging.disableForChildren();
            out.println("thaw: page merging off (--ksm false): each worker keeps private copies of the image's pages");
            return;
        }
        PageMerging.Status status = PageMerging.enableForChildren();
        out.println("thaw: " + status.describe());
    }

    private static void migrateQueuedConnections(PrintStream out) {
        try {
            if (!Files.exists(MIGRATE_REQ)) {
                out.println("thaw: warning: this kernel has no net.ipv4.tcp_migrate_req (Linux >= 5.14): a rolling restart may reset queued connections");
                return;
            }
            if (!"1".equals(Files.readString(MIGRATE_REQ).strip())) {
                Files.writeString(MIGRATE_REQ, "1");
                out.println("thaw: set net.ipv4.tcp_migrate_req=1 (queued connections of a draining worker move to the others)");
            }
        } catch (IOException e) {
            out.println("thaw: warning: cannot set net.ipv4.tcp_migrate_req=1 (" + e.getMessage()
                    + "): a rolling restart may reset queued connections; set it on the host (sysctl)");
        }
    }
}
