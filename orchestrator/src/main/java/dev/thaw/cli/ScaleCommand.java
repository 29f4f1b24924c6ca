package dev.thaw.cli;

import dev.thaw.lifecycle.control.ControlMessage;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "scale", description = "Change the number of workers of a running pool (like TTIN/TTOU, to an exact count).")
public final class ScaleCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "N", description = "Number of workers, 1..1024.")
    int workers;

    @Override
    public Integer call() {
        ControlMessage.Reply reply = PoolClient.request(spec, new ControlMessage.Scale(workers));
        spec.commandLine().getOut().println("thaw: " + (reply.message().isEmpty() ? "ok" : reply.message()));
        return 0;
    }
}
