package dev.thaw.cli;

import dev.thaw.lifecycle.control.ControlMessage;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "reload", description = "Rolling restart of a running pool (like HUP): each worker is replaced by a fresh restore, the new one ready before the old one drains.")
public final class ReloadCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", defaultValue = "${env:THAW_SOCKET:-/run/thaw/thaw.sock}",
            description = "Control socket of the pool (default: ${DEFAULT-VALUE}).")
    Path socket;

    @Override
    public Integer call() {
        ControlMessage.Reply reply = PoolClient.request(socket, new ControlMessage.Reload());
        spec.commandLine().getOut().println("thaw: " + (reply.message().isEmpty() ? "ok" : reply.message()));
        return 0;
    }
}
