package dev.thaw.cli;

import dev.thaw.Bytes;
import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.pool.PoolStatus;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "status", description = "Show the workers of a running pool: id, pid, generation, state, age, requests, memory, restarts.")
public final class StatusCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print the status as JSON.")
    boolean json;

    /** "412 ms (3 ms: 120.0 MiB mapped, 3.0 MiB copied / 190 ms)": where the worker's time to ready went. */
    private static String readyIn(PoolStatus.WorkerStatus w) {
        if (w.readyMillis() == 0) {
            return "-";
        }
        String criu = w.criuRestoreMillis() > 0 ? w.criuRestoreMillis() + " ms: " + Bytes.human(w.mappedBytes()) + " mapped, "
                + Bytes.human(w.copiedBytes()) + " copied" : "?";
        return w.readyMillis() + " ms (" + criu + " / " + w.afterRestoreMillis() + " ms)";
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String body = PoolClient.request(spec, new ControlMessage.Status()).json();
        if (json) {
            out.println(body);
            return 0;
        }
        PoolStatus s = PoolStatus.fromJson(body);
        out.printf("image generation %d (made from %s), %d reforks, %d workers wanted%s%n", s.imageGeneration(), s.imageMadeFrom(),
                s.reforks(), s.targetWorkers(), s.rolling() ? ", rolling restart in progress" : "");
        out.printf("%-7s %-8s %-4s %-10s %8s %9s %8s %10s %10s %10s %10s %10s %8s  %s%n",
                "WORKER", "PID", "GEN", "STATE", "AGE", "REQUESTS", "INFLIGHT", "RSS", "PSS", "SHARED", "PRIVATE", "ANONYMOUS", "RESTARTS",
                "READY IN (CRIU / AFTERRESTORE)");
        for (PoolStatus.WorkerStatus w : s.workers()) {
            out.printf("%-7d %-8s %-4d %-10s %7ds %9d %8d %10s %10s %10s %10s %10s %8d  %s%n", w.worker(), w.pid() < 0 ? "-" : w.pid(),
                    w.generation(), w.state(), w.ageSeconds(), w.requests(), w.inFlight(), Bytes.human(w.rssBytes()),
                    Bytes.human(w.pssBytes()), Bytes.human(w.sharedBytes()), Bytes.human(w.privateBytes()),
                    Bytes.human(w.anonymousBytes()), w.restarts(), readyIn(w));
        }
        return 0;
    }
}
