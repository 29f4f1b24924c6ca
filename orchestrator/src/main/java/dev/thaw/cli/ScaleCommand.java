package dev.thaw.cli;

import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "scale", description = "Change the number of workers of a running pool (like TTIN/TTOU, to an exact count).")
public final class ScaleCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", defaultValue = "${env:THAW_SOCKET:-/run/thaw/thaw.sock}",
            description = "Control socket of the pool (default: ${DEFAULT-VALUE}).")
    Path socket;

    @Parameters(paramLabel = "N", description = "Number of workers, 1..1024.")
    int workers;

    @Override
    public Integer call() {
        Message reply = PoolClient.request(socket, Message.of(MessageType.SCALE, "workers", Integer.toString(workers)));
        spec.commandLine().getOut().println("thaw: " + reply.get("message").orElse("ok"));
        return 0;
    }
}
