package dev.thaw.lifecycle.guardrail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The last look before the dump: after every beforeCheckpoint has run, whatever this process still
 * has open is read from {@code /proc/self} and judged. Established or half-closed TCP connections,
 * listening sockets, UDP and Unix sockets and regular files open for writing are refused: a restored
 * worker would hold a connection its peer forgot, a listener every worker shares, or a file whose
 * size no longer matches (CRIU then refuses the restore). Threads the app started are reported.
 * Everything is listed at once, so one run shows all there is to fix.
 */
public final class Guardrail {
    private final GuardrailSettings settings;
    private final OpenResources resources;
    private final Baseline ignored;

    Guardrail(GuardrailSettings settings, OpenResources resources, Baseline ignored) {
        this.settings = settings;
        this.resources = resources;
        this.ignored = ignored;
    }

    /** Judges everything this process has open, except what {@code ignored} holds (thaw's own, or what was there before). */
    public static GuardrailReport check(GuardrailSettings settings, Baseline ignored) {
        return new Guardrail(settings, OpenResources.self(), ignored).run();
    }

    /**
     * Waits, at most {@code max}, until this process holds no TCP connection, and returns how many it still holds.
     * CRIU cannot dump an established connection, and a server's connections close after its stop() returns (Jetty's
     * selectors end their endpoints asynchronously): a refork under load found one at every attempt without this.
     */
    public static int awaitNoTcpConnections(java.time.Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        int open = tcpConnections();
        while (open > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            open = tcpConnections();
        }
        return open;
    }

    private static int tcpConnections() {
        try {
            return (int) OpenResources.self().scan().stream().filter(f -> f.offender().kind() == Kind.CONNECTION).count();
        } catch (java.io.IOException | RuntimeException e) {
            return 0; // unreadable: CRIU says what it finds
        }
    }

    GuardrailReport run() {
        Origins origins = Origins.get();
        Map<Integer, List<String>> creators = origins.byFd();
        List<Offender> found = new ArrayList<>();
        try {
            for (OpenResources.Found f : resources.scan()) {
                if (ignored.covers(f)) {
                    continue;
                }
                List<String> origin = creators.get(f.fd());
                found.add(origin == null ? f.offender() : f.offender().withOrigin(origin));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("guardrail: cannot read /proc/self: " + e.getMessage(), e);
        }
        found.sort(Comparator.comparing(Offender::kind).thenComparing(Offender::target));
        List<Offender> refused = new ArrayList<>();
        List<Offender> threads = new ArrayList<>();
        List<GuardrailReport.Allowed> allowed = new ArrayList<>();
        for (Offender o : found) {
            judge(o, refused, allowed);
        }
        for (Offender t : AppThreads.list(origins, ignored.threads())) {
            judge(t, settings.strictThreads() ? refused : threads, allowed);
        }
        return new GuardrailReport(refused, threads, allowed, origins.liveRandoms(), settings.refuse(), origins.enabled());
    }

    private void judge(Offender o, List<Offender> notAllowed, List<GuardrailReport.Allowed> allowed) {
        for (AllowRule rule : settings.allow()) {
            if (rule.matches(o)) {
                allowed.add(new GuardrailReport.Allowed(o, rule));
                return;
            }
        }
        notAllowed.add(o);
    }
}
